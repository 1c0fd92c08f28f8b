using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Planning.Placement;
using MoeOperator.Planning.Resources;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Controllers.TrainingJobs;

internal sealed partial class TrainingJobReconciler
{
    // Step: a job without pods whose data or checkpoints live on a ThreeFSCluster that is not Ready waits for it,
    // holding no GPUs and no place in line.
    private async Task<ReconcileResult?> StorageAsync(TrainingJobPass pass, CancellationToken cancellationToken)
    {
        if (pass.Pods.Count > 0 || StorageWaiting(pass) is not { } why)
        {
            return null;
        }

        pass.Status.Phase = TrainingJobPhase.Pending;
        pass.Condition("Scheduled", false, "WaitingForStorage", why);
        pass.Condition("Running", false, "WaitingForStorage", why);
        await FinishAsync(pass, cancellationToken);
        return ReconcileResult.After(TimeSpan.FromSeconds(15));
    }

    private string? StorageWaiting(TrainingJobPass pass)
    {
        foreach (var (field, location) in new[] { ("spec.data.threeFS", pass.Spec.Data.ThreeFS), ("spec.checkpoint.threeFS", pass.Spec.Checkpoint?.ThreeFS) })
        {
            if (location is null)
            {
                continue;
            }

            var mount = new ThreeFSMount { ClusterRef = location.ClusterRef, Path = location.Path };
            if (ThreeFSAttachment.Waiting(mount, threeFSClusters.Get(new ObjectReference(pass.Key.Namespace, location.ClusterRef))) is { } waiting)
            {
                return waiting.Replace("spec.threeFS.clusterRef", $"{field}.clusterRef", StringComparison.Ordinal);
            }
        }

        return null;
    }

    // The FUSE client settings of the 3FS cluster a location names (where its mount is, which nodes have it).
    private ClientsSpec? Clients(TrainingJobPass pass, ThreeFSLocation? location) =>
        location is not null && threeFSClusters.Get(new ObjectReference(pass.Key.Namespace, location.ClusterRef)) is { } cluster
            ? ThreeFSAttachment.Clients(cluster)
            : null;

    private (TrainingStorage? Data, TrainingStorage? Checkpoints, Dictionary<string, string> ClientNodes) Storage(TrainingJobPass pass)
    {
        var dataClients = Clients(pass, pass.Spec.Data.ThreeFS);
        var checkpointClients = Clients(pass, pass.Spec.Checkpoint?.ThreeFS);
        var clientNodes = new[] { dataClients, checkpointClients }.OfType<ClientsSpec>().SelectMany(c => c.NodeSelector ?? []).DistinctBy(l => l.Key).ToDictionary();
        return (TrainingStorage.Data(pass.Spec.Data, dataClients), TrainingStorage.Checkpoints(pass.Spec.Checkpoint, checkpointClients), clientNodes);
    }

    // Step: a job without pods is placed as one gang (or handed to its external gang scheduler), then its Service
    // and one pod per rank are created. A job with a recorded placement but missing pods (the operator stopped
    // half-way, or a name was still held by a terminating pod) creates the rest on the recorded nodes.
    private async Task<ReconcileResult?> AdmitAsync(TrainingJobPass pass, CancellationToken cancellationToken)
    {
        var (spec, status) = (pass.Spec, pass.Status);
        var external = TrainingJobBuilder.UsesExternalScheduler(spec);
        if (pass.LivePods.Count >= pass.WorldSize)
        {
            return null;
        }

        if (status.Placement is { } recorded && recorded.Count == pass.WorldSize)
        {
            ledger.Reserve(pass.OwnerName, Planned(pass, recorded));
            var complete = await CreateChildrenAsync(pass, [.. recorded], cancellationToken);
            await FinishAsync(pass, cancellationToken);
            return complete ? ReconcileResult.Done : ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        if (pass.Pods.Count > 0 && !external)
        {
            // Pods of an earlier run still terminating: place once they are gone.
            await FinishAsync(pass, cancellationToken);
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        if (external)
        {
            return await HandOverAsync(pass, cancellationToken);
        }

        var admission = ledger.Admit(pass.OwnerName, Created(pass.Job, pass.Now), Planner(pass));
        if (!admission.IsPlaced)
        {
            return await WaitForCapacityAsync(pass, admission, cancellationToken);
        }

        var nodesInOrder = TrainingJobPlanning.RankNodes(spec, admission.Placed!.Decision.Nodes);
        status.Placement = nodesInOrder;
        status.StartTime ??= pass.Now;
        pass.Condition("Scheduled", true, "Placed", $"{pass.WorldSize} ranks on {string.Join(", ", admission.Placed!.Decision.Nodes)}");
        try
        {
            // Status first (guarded by the resourceVersion), pods second: a stale view never creates pods.
            await FinishAsync(pass, cancellationToken);
        }
        catch (Exception)
        {
            ledger.Abandon(pass.OwnerName, admission);
            throw;
        }

        var created = await CreateChildrenAsync(pass, [.. nodesInOrder], cancellationToken);
        await events.RecordAsync(pass.Job, warning: false, "Placed", "Schedule", $"placed {pass.WorldSize} ranks (attempt {pass.Attempt}) on {string.Join(", ", admission.Placed!.Decision.Nodes)}", cancellationToken);
        return created ? ReconcileResult.Done : ReconcileResult.After(TimeSpan.FromSeconds(1));
    }

    private async Task<ReconcileResult> WaitForCapacityAsync(TrainingJobPass pass, GangAdmission admission, CancellationToken cancellationToken)
    {
        var line = admission.Ahead == 0 ? "" : $" behind {admission.Ahead} older group{(admission.Ahead == 1 ? "" : "s")}";
        var why = $"waiting for capacity{line}: {admission.WaitingReason}";
        var timeout = Durations.Parse(pass.Spec.Scheduling.GangTimeout);
        var since = ConditionList.Find(pass.Status.Conditions, "Scheduled") is { Status: ConditionStatus.False } waiting ? waiting.LastTransitionTime : pass.Now;
        var reason = pass.Now - since >= timeout ? "Unschedulable" : "WaitingForCapacity";
        if (reason == "Unschedulable")
        {
            why = $"the whole job has not fit for {pass.Spec.Scheduling.GangTimeout} (spec.scheduling.gangTimeout), still {why}";
        }

        var newly = reason == "Unschedulable" && ConditionList.Reason(pass.Status.Conditions, "Scheduled") != reason;
        pass.Status.Phase = TrainingJobPhase.Pending;
        pass.Condition("Scheduled", false, reason, why);
        pass.Condition("Running", false, reason, "no pod is created until every rank fits; " + why);
        await FinishAsync(pass, cancellationToken);
        if (newly)
        {
            await events.RecordAsync(pass.Job, warning: true, "Unschedulable", "Schedule", why, cancellationToken);
        }

        return ReconcileResult.After(TimeSpan.FromSeconds(10));
    }

    // An external gang scheduler binds the pods: a PodGroup of all ranks, pods unpinned with its name.
    private async Task<ReconcileResult> HandOverAsync(TrainingJobPass pass, CancellationToken cancellationToken)
    {
        var scheduler = pass.Spec.Scheduling.SchedulerName!;
        try
        {
            await _writer.EnsureAsync($"/apis/scheduling.x-k8s.io/v1alpha1/namespaces/{pass.Key.Namespace}/podgroups", TrainingJobBuilder.PodGroup(pass.Job, pass.Spec), null, cancellationToken);
        }
        catch (ApiRequestException e) when (e.Status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            var why = e.Status == HttpStatusCode.NotFound
                ? "the cluster has no scheduling.x-k8s.io/v1alpha1 PodGroup API; install the scheduler-plugins coscheduling CRDs, or remove spec.scheduling.schedulerName to let the operator place the job"
                : "the operator may not write PodGroups; install the chart with externalGangScheduler.enabled=true";
            pass.Status.Phase = TrainingJobPhase.Pending;
            pass.Condition("Scheduled", false, "PodGroupUnavailable", $"spec.scheduling.schedulerName is {scheduler}, but {why}");
            await FinishAsync(pass, cancellationToken);
            return ReconcileResult.After(TimeSpan.FromSeconds(30));
        }

        pass.Status.StartTime ??= pass.Now;
        pass.Condition("Scheduled", false, "WaitingForScheduler", $"{scheduler} places the {pass.WorldSize} ranks as one gang");
        await FinishAsync(pass, cancellationToken);
        var created = await CreateChildrenAsync(pass, [.. Enumerable.Repeat<string?>(null, pass.WorldSize)], cancellationToken);
        return created ? ReconcileResult.Done : ReconcileResult.After(TimeSpan.FromSeconds(1));
    }

    // Step: placed and created: the Service is kept, and the job is Running once every rank's pod runs.
    private async Task<ReconcileResult> RunAsync(TrainingJobPass pass, CancellationToken cancellationToken)
    {
        await _writer.EnsureAsync($"/api/v1/namespaces/{pass.Key.Namespace}/services", TrainingJobBuilder.HeadlessService(pass.Job), services.Get(new ObjectReference(pass.Key.Namespace, TrainingJobNames.Service(pass.Key.Name))), cancellationToken);
        var live = pass.LivePods;
        var running = live.Count(p => (string?)p["status"]?["phase"] is "Running" or "Succeeded");
        if (running == pass.WorldSize && pass.Status.Phase != TrainingJobPhase.Running)
        {
            pass.Status.Phase = TrainingJobPhase.Running;
            if (TrainingJobBuilder.UsesExternalScheduler(pass.Spec))
            {
                pass.Status.Placement = [.. live.OrderBy(p => int.Parse((string?)p["metadata"]?["labels"]?[TrainingJobNames.RankLabel] ?? "0", CultureInfo.InvariantCulture)).Select(p => (string?)p["spec"]?["nodeName"] ?? "")];
                pass.Condition("Scheduled", true, "Placed", $"{pass.Spec.Scheduling.SchedulerName} placed the {pass.WorldSize} ranks");
            }
        }

        if (pass.Status.Phase == TrainingJobPhase.Running)
        {
            var step = pass.Status.Step is { } s ? $"step {s} of {pass.Spec.Training.Steps}" : "starting";
            pass.Condition("Running", true, "Training", $"{pass.WorldSize} ranks training, {step}" + (pass.Status.ResumedFrom is { } from ? $", resumed after step {from.Step}" : ""));
        }
        else
        {
            pass.Status.Phase ??= TrainingJobPhase.Pending;
            pass.Condition("Running", false, "RanksStarting", $"{running} of {pass.WorldSize} rank pods running");
        }

        return await FinishAsync(pass, cancellationToken);
    }

    private GangPlanner Planner(TrainingJobPass pass)
    {
        var (_, _, clientNodes) = Storage(pass);
        var request = TrainingJobPlanning.Request(pass.Spec, clientNodes);
        return reserved =>
        {
            var placed = GangPlacement.Place(request, PlacementInputs.Candidates(nodes.Select(PlacementInputs.CachedNode), pods.Select(PlacementInputs.CachedUsage), reserved));
            return new GangAttempt(placed, placed.Fits ? Planned(pass, TrainingJobPlanning.RankNodes(pass.Spec, placed.Nodes)) : []);
        };
    }

    private static List<PlannedPod> Planned(TrainingJobPass pass, IReadOnlyList<string> nodesInOrder) =>
        [.. nodesInOrder.Select((node, rank) => new PlannedPod($"{pass.Key.Namespace}/{TrainingJobNames.Pod(pass.Key.Name, rank)}", node, PodResources.Requests(TrainingJobBuilder.Pod(pass.Job, pass.Spec, rank, node, pass.Attempt, null, null))))];

    /// <summary>The Service and each missing rank's pod; false when a name is still held by a terminating pod.</summary>
    private async Task<bool> CreateChildrenAsync(TrainingJobPass pass, IReadOnlyList<string?> nodesInOrder, CancellationToken cancellationToken)
    {
        await _writer.EnsureAsync($"/api/v1/namespaces/{pass.Key.Namespace}/services", TrainingJobBuilder.HeadlessService(pass.Job), services.Get(new ObjectReference(pass.Key.Namespace, TrainingJobNames.Service(pass.Key.Name))), cancellationToken);
        var (data, checkpoints, clientNodes) = Storage(pass);
        var podNames = Enumerable.Range(0, nodesInOrder.Count).Select(rank => TrainingJobNames.Pod(pass.Key.Name, rank)).ToList();
        if (podNames.Any(pod => pods.Get(new ObjectReference(pass.Key.Namespace, pod)) is null))
        {
            // Only when pods are about to be created (a start or a restart), so a running job costs no requests.
            foreach (var (collection, child) in WorkerAccess.Objects(pass.Job, TrainingJob.KindName, TrainingJobNames.JobLabel, podNames))
            {
                await _writer.EnsureAsync(collection, child, null, cancellationToken);
            }
        }

        var complete = true;
        for (var rank = 0; rank < nodesInOrder.Count; rank++)
        {
            var pod = TrainingJobBuilder.Pod(pass.Job, pass.Spec, rank, nodesInOrder[rank], pass.Attempt, data, checkpoints, clientNodes);
            var outcome = await _writer.EnsureAsync($"/api/v1/namespaces/{pass.Key.Namespace}/pods", pod, pods.Get(new ObjectReference(pass.Key.Namespace, TrainingJobNames.Pod(pass.Key.Name, rank))), cancellationToken);
            complete &= outcome != ChildOutcome.Terminating;
        }

        return complete;
    }

    private static DateTimeOffset Created(JsonObject job, DateTimeOffset fallback) =>
        DateTimeOffset.TryParse((string?)job["metadata"]?["creationTimestamp"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : fallback;
}
