using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Planning.Placement;
using MoeOperator.Planning.Resources;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>The bootstrap: upstream's steps in order, each an admin Job or daemons that must become ready.</summary>
internal sealed partial class ThreeFSClusterReconciler
{
    private async Task<ReconcileResult> BootstrapAsync(ThreeFSClusterPass pass, CancellationToken cancellationToken)
    {
        var (key, cluster, spec, status, generation, now, members) = (pass.Key, pass.Cluster, pass.Spec, pass.Status, pass.Generation, pass.Now, pass.Members);
        var completed = Completed(status);
        foreach (var step in ThreeFSBootstrap.Order)
        {
            if (!spec.Clients.Enabled && step is ThreeFSBootstrapStep.SetConfigFuse or ThreeFSBootstrapStep.Clients)
            {
                continue;
            }

            var name = ThreeFSBootstrap.Name(step);
            var done = completed.Contains(name);
            if (!ThreeFSBootstrap.IsJob(step))
            {
                // Daemons of a completed step are kept running (re-created when a pod is deleted).
                var (ready, blocker) = await EnsureDaemonsAsync(key, cluster, spec, members, step, cancellationToken);
                if (!done && !ready)
                {
                    status.Phase = ThreeFSClusterPhase.Bootstrapping;
                    ConditionList.Set(status.Conditions ??= [], "Bootstrapped", false, blocker is null ? "Starting" : "Unschedulable", $"waiting for {name} to be ready{(blocker is null ? "" : ": " + blocker)}", generation, now);
                    return ReconcileResult.After(_poll);
                }
            }
            else if (!done)
            {
                if (await JobStepAsync(key, cluster, spec, members, status, completed, step, generation, now, cancellationToken) is { } waiting)
                {
                    return waiting;
                }

                if (completed.Contains(name))
                {
                    // The retained table fits: FoundationDB holds what this step would create.
                    continue;
                }
            }

            if (!done)
            {
                completed.Add(name);
                status.CompletedBootstrapSteps = [.. completed];
                await events.RecordAsync(cluster, warning: false, "BootstrapStep", "Bootstrap", $"{name} done", cancellationToken);
            }
        }

        if (ConditionList.Set(status.Conditions ??= [], "Bootstrapped", true, "Done", $"{completed.Count} bootstrap steps done", generation, now))
        {
            await events.RecordAsync(cluster, warning: false, "Bootstrapped", "Bootstrap", "every bootstrap step is done", cancellationToken);
        }

        return ReconcileResult.Done;
    }

    // A bootstrap step that is an admin Job: null once it is done (or, over retained data, found done already);
    // otherwise what to wait for. Over retained data the chain table FoundationDB holds is checked first, and the
    // FoundationDB version check's verdict is read from its Job's log.
    private async Task<ReconcileResult?> JobStepAsync(ObjectReference key, JsonObject cluster, ThreeFSClusterSpec spec, IReadOnlyList<ThreeFSMember> members, ThreeFSClusterStatus status, List<string> completed, ThreeFSBootstrapStep step, long generation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var name = ThreeFSBootstrap.Name(step);
        if (step == ThreeFSBootstrapStep.CreateTargets && AdoptedData(status)
            && jobs.Get(new ObjectReference(key.Namespace, ThreeFSJobBuilder.JobName(key.Name, name))) is null
            && await VerifyRetainedChainTableAsync(key, cluster, spec, members, status, completed, generation, now, cancellationToken) is { } verifying)
        {
            return verifying;
        }

        if (completed.Contains(name))
        {
            return null;
        }

        if (await RunJobAsync(key, cluster, spec, step, status, generation, now, cancellationToken) is { } outcome)
        {
            return outcome;
        }

        if (step == ThreeFSBootstrapStep.InitCluster)
        {
            await RecordInitClusterAsync(key, cluster, spec, status, cancellationToken);
        }

        if (step == ThreeFSBootstrapStep.CheckFoundationDB)
        {
            var job = jobs.Get(new ObjectReference(key.Namespace, ThreeFSJobBuilder.JobName(key.Name, name)))!;
            var (matches, message) = FoundationDBVersionCheck.Evaluate(await JobLogAsync(key.Namespace, job, tailLines: null, cancellationToken), spec.FoundationDB.Version);
            if (!matches)
            {
                // Checked again every pass: correcting spec.foundationDB.version is enough to go on.
                status.Phase = ThreeFSClusterPhase.Failed;
                ConditionList.Set(status.Conditions ??= [], "FoundationDB", false, "VersionMismatch", message, generation, now);
                ConditionList.Set(status.Conditions ??= [], "Bootstrapped", false, "VersionMismatch", "bootstrap waits until the FoundationDB client and server versions match", generation, now);
                return ReconcileResult.After(TimeSpan.FromSeconds(30));
            }

            await events.RecordAsync(cluster, warning: false, "FoundationDBChecked", "Bootstrap", message, cancellationToken);
        }

        return null;
    }

    // Null when the step's Job succeeded; otherwise how long to wait (running) or that it failed.
    private async Task<ReconcileResult?> RunJobAsync(ObjectReference key, JsonObject cluster, ThreeFSClusterSpec spec, ThreeFSBootstrapStep step, ThreeFSClusterStatus status, long generation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var name = ThreeFSBootstrap.Name(step);
        var jobName = ThreeFSJobBuilder.JobName(key.Name, name);
        status.Phase = ThreeFSClusterPhase.Bootstrapping;
        var job = jobs.Get(new ObjectReference(key.Namespace, jobName));
        if (job is null)
        {
            var desired = ThreeFSJobBuilder.Job(cluster, spec, name, ThreeFSJobBuilder.Script(step, spec), ThreeFSBootstrap.MainConfig(step), ThreeFSBootstrap.ReadsChainTable(step),
                keep: step == ThreeFSBootstrapStep.InitCluster);
            // Created once by name: a second pass (or a restarted operator) finds it instead of running the step again.
            await _writer.EnsureAsync($"/apis/batch/v1/namespaces/{key.Namespace}/jobs", desired, null, cancellationToken);
            ConditionList.Set(status.Conditions ??= [], "Bootstrapped", false, "Running", $"running {name}", generation, now);
            return ReconcileResult.After(_poll);
        }

        if (JobCondition(job, "Complete"))
        {
            return null;
        }

        if (JobCondition(job, "Failed"))
        {
            var tail = await JobLogAsync(key.Namespace, job, tailLines: 10, cancellationToken);
            status.Phase = ThreeFSClusterPhase.Failed;
            if (step == ThreeFSBootstrapStep.InitCluster && ClusterIdMismatch(spec, tail) is { } mismatch)
            {
                ConditionList.Set(status.Conditions ??= [], "Bootstrapped", false, "ClusterIdMismatch", mismatch, generation, now);
                return ReconcileResult.After(TimeSpan.FromSeconds(30));
            }

            ConditionList.Set(status.Conditions ??= [], "Bootstrapped", false, "StepFailed", $"{name} failed (Job {jobName}): {tail.Trim()}; fix the cause and delete the Job to run the step again", generation, now);
            return ReconcileResult.After(TimeSpan.FromSeconds(30));
        }

        ConditionList.Set(status.Conditions ??= [], "Bootstrapped", false, "Running", $"running {name}", generation, now);
        return ReconcileResult.After(_poll);
    }

    private static bool JobCondition(JsonObject job, string type) =>
        job["status"]?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == type && (string?)c?["status"] == "True") == true;

    // The newest pod of a Job, and the last lines of its log.
    private async Task<string> JobLogAsync(string ns, JsonObject job, int? tailLines, CancellationToken cancellationToken)
    {
        var uid = (string?)job["metadata"]?["uid"] ?? "";
        var pod = pods.ByLabel("controller-uid", uid)
            .OrderByDescending(p => (string?)p["metadata"]?["creationTimestamp"], StringComparer.Ordinal)
            .FirstOrDefault();
        if (pod is null)
        {
            return "(no pod)";
        }

        var query = tailLines is { } lines ? $"?tailLines={lines}" : "";
        using var response = await api.OpenAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/{pod["metadata"]!["name"]}/log{query}", null, "application/json", HttpCompletionOption.ResponseContentRead, cancellationToken);
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(cancellationToken) : $"(log unavailable: {(int)response.StatusCode})";
    }

    // The daemons of a step: one pod per member (mgmtd, meta, storage), or the FUSE DaemonSet; whether all are
    // ready, and the scheduler's word on a pod it cannot place.
    private async Task<(bool Ready, string? Blocker)> EnsureDaemonsAsync(ObjectReference key, JsonObject cluster, ThreeFSClusterSpec spec, IReadOnlyList<ThreeFSMember> members, ThreeFSBootstrapStep step, CancellationToken cancellationToken)
    {
        if (step == ThreeFSBootstrapStep.Clients)
        {
            await _writer.EnsureAsync($"/apis/apps/v1/namespaces/{key.Namespace}/daemonsets", ThreeFSPodBuilder.FuseDaemonSet(cluster, spec), null, cancellationToken);
            return (true, null);
        }

        var component = step switch
        {
            ThreeFSBootstrapStep.Mgmtd => ThreeFSComponent.Mgmtd,
            ThreeFSBootstrapStep.Meta => ThreeFSComponent.Meta,
            _ => ThreeFSComponent.Storage,
        };
        var ready = true;
        string? blocker = null;
        var wanted = members.Where(m => m.Component == ThreeFSNames.Component(component)).Select(m => ThreeFSNames.ServerPod(key.Name, component, m.NodeId)).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in ClusterPods(key).Where(p =>
            ComponentOf(p) == ThreeFSNames.Component(component) && p["metadata"]?["deletionTimestamp"] is null && !wanted.Contains((string)p["metadata"]!["name"]!)))
        {
            // An instance the spec no longer asks for (mgmtd or meta scaled down).
            await api.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{key.Namespace}/pods/{extra["metadata"]!["name"]}", cancellationToken: cancellationToken);
        }

        foreach (var member in members.Where(m => m.Component == ThreeFSNames.Component(component)))
        {
            var name = ThreeFSNames.ServerPod(key.Name, component, member.NodeId);
            var cached = pods.Get(new ObjectReference(key.Namespace, name));
            if (cached is null)
            {
                // A pod of that name still terminating answers Terminating: the next pass creates it. Its room is
                // reserved first, so a group placed before the pod shows in any cache does not take it.
                var pod = ThreeFSPodBuilder.ServerPod(cluster, spec, component, member.NodeId, member.Node);
                ledger.Reserve(Owner(key), [new PlannedPod($"{key.Namespace}/{name}", member.Node, PodResources.Requests(pod))]);
                await _writer.EnsureAsync($"/api/v1/namespaces/{key.Namespace}/pods", pod, null, cancellationToken);
                ready = false;
                continue;
            }

            if ((string?)cached["status"]?["phase"] is "Failed" or "Succeeded" && cached["metadata"]?["deletionTimestamp"] is null)
            {
                // A daemon pod that ended (its node was lost, or it was evicted) is never restarted by the kubelet:
                // it is deleted (this very pod, by uid) and made again on its node by the next pass.
                await api.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{key.Namespace}/pods/{name}", new JsonObject { ["preconditions"] = new JsonObject { ["uid"] = (string?)cached["metadata"]?["uid"] } }, cancellationToken: cancellationToken);
                await events.RecordAsync(cluster, warning: true, "DaemonReplaced", "Recreate", $"pod {name} on {member.Node} ended ({(string?)cached["status"]?["phase"]}: {(string?)cached["status"]?["reason"] ?? "no reason"}); deleted to be made again", cancellationToken);
                ready = false;
                continue;
            }

            ready &= IsReady(cached);
            if (cached["status"]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == "PodScheduled" && (string?)c?["status"] == "False") is { } unscheduled)
            {
                blocker ??= $"pod {name}: {(string?)unscheduled["message"]}";
            }
        }

        return (ready, blocker);
    }
}
