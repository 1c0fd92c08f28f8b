using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Planning.Eplb;
using MoeOperator.Planning.Placement;
using MoeOperator.Planning.Resources;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Controllers;
using MoeOperator.Runtime.Informers;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>
/// Converges one EPGroup: no pod until the whole group fits, placed through the process's placement ledger (so two
/// groups never get the same GPUs, and groups that do not fit wait in creation order with Scheduled=False,
/// WaitingForCapacity and the planner's reason), then the Service, the expert map and one pod per planned node. A
/// pod that cannot run where it was pinned (unschedulable past the group's initial back-off, or refused by the
/// kubelet) is a placement failure: the group is placed again elsewhere, and no restart is counted. A failed rank
/// restarts the whole group after an exponential back-off, up to maxRestarts, then the group is Failed with the
/// reason and the pod's last log lines. Status is written only when it changes.
/// </summary>
internal sealed class EPGroupReconciler(
    CacheView groups,
    CacheView pods,
    CacheView services,
    CacheView configMaps,
    CacheView nodes,
    CacheView threeFSClusters,
    KubernetesJsonClient api,
    EventRecorder events,
    EPGroupMetrics metrics,
    PlacementLedger ledger,
    TimeProvider clock) : IReconciler
{
    // A node that refused one of a group's pods is avoided by that group for this long: whatever fills it may be
    // invisible to this operator (pods of namespaces it does not watch, another scheduler's).
    private static readonly TimeSpan _avoidRefusingNode = TimeSpan.FromMinutes(5);
    private readonly ChildWriter _writer = new(api);
    private readonly StatusWriter _status = new(api);
    private readonly GangPods _gangPods = new(api);
    private readonly ConcurrentDictionary<ObjectReference, ConcurrentDictionary<string, DateTimeOffset>> _refusingNodes = new();

    public async Task<ReconcileResult> ReconcileAsync(ObjectReference key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (groups.Get(key) is not { } group || group["metadata"]?["deletionTimestamp"] is not null)
        {
            // Gone (or going): its place in line and its reservations go, and the groups waiting for room look
            // again (each of its pods leaving brings this key back here).
            ledger.Release(EPGroupController.Owner(key));
            ledger.WakeWaiting();
            _refusingNodes.TryRemove(key, out _);
            metrics.Forget(key.Namespace, key.Name);
            return ReconcileResult.Done;
        }

        var pass = EPGroupPass.Of(key, group, pods.ByOwner((string)group["metadata"]!["uid"]!), clock.GetUtcNow());
        ObserveLedger(pass);

        return await ChildRefusals.ReportingAsync(events, group, () => StepsAsync(pass, cancellationToken), refusal => RefusedAsync(pass, refusal, cancellationToken), cancellationToken);
    }

    // The steps, in order; each either settles this reconcile (a result) or lets the next one look (null).
    private async Task<ReconcileResult> StepsAsync(EPGroupPass pass, CancellationToken cancellationToken) =>
        await FailedGroupAsync(pass, cancellationToken)
            ?? await SpecChangedAsync(pass, cancellationToken)
            ?? await MisplacedPodsAsync(pass, cancellationToken)
            ?? await RestartAsync(pass, cancellationToken)
            ?? await ExternalSchedulerAsync(pass, cancellationToken)
            ?? await ResumePlacementAsync(pass, cancellationToken)
            ?? await AdmitAsync(pass, cancellationToken)
            ?? await RunAsync(pass, cancellationToken);

    // The API server refused a child (a pod the namespace's Pod Security level forbids, say): Ready says why.
    private async Task RefusedAsync(EPGroupPass pass, string refusal, CancellationToken cancellationToken)
    {
        var generation = (long?)pass.Group["metadata"]?["generation"] ?? 1;
        ConditionList.Set(pass.Status.Conditions ??= [], "Ready", false, ChildRefusals.Reason, refusal, generation, clock.GetUtcNow());
        await FinishAsync(pass.Key, pass.Group, pass.Status, pass.Spec, [.. pass.Pods], cancellationToken);
    }

    // The ledger learns what the pod cache shows: a group with pods has been placed, and a pod seen bound (or gone)
    // no longer needs its reservation, since the pod cache counts it from now on.
    private void ObserveLedger(EPGroupPass pass)
    {
        if (pass.Pods.Count > 0)
        {
            ledger.Settled(EPGroupController.Owner(pass.Key));
        }

        foreach (var pod in pass.Pods)
        {
            ledger.Observe(PodKey(pass.Key, pod), (string?)pod["spec"]?["nodeName"] is { Length: > 0 }, PodResources.IsActive(pod) && pod["metadata"]?["deletionTimestamp"] is null);
        }
    }

    // Step: a Failed group keeps no pods, until its spec changes: a fixed image (say), or a larger restart budget,
    // is what a user changes a failed group for, so it starts again with a fresh budget rather than ignore the change.
    // The failure that stopped it stays in status.lastFailure.
    private async Task<ReconcileResult?> FailedGroupAsync(EPGroupPass pass, CancellationToken cancellationToken)
    {
        if (pass.ReadPhase != EPGroupPhase.Failed)
        {
            return null;
        }

        await _gangPods.DeleteAsync(pass.Pods, cancellationToken);
        if (ConditionList.Find(pass.Status.Conditions, "Ready") is { ObservedGeneration: { } failedAt } && failedAt < pass.Generation && pass.Pods.Count == 0)
        {
            var message = $"generation {pass.Generation} changes the spec of a group that failed at generation {failedAt}: starting it again with a fresh restart budget";
            (pass.Status.Phase, pass.Status.Restarts, pass.Status.Placement) = (EPGroupPhase.Pending, 0, null);
            pass.Condition("Updating", true, "SpecChanged", message);
            pass.Condition("Ready", false, "Updating", message);
            await FinishAsync(pass.Key, pass.Group, pass.Status, pass.Spec, [], cancellationToken);
            await events.RecordAsync(pass.Group, warning: false, "Updating", "Update", message, cancellationToken);
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        return await FinishAsync(pass.Key, pass.Group, pass.Status, pass.Spec, [], cancellationToken);
    }

    // Step: pods made for another revision of the spec are replaced, all of them at once, so ranks of two versions
    // never meet: every pod goes, the placement is released (the new spec may need other nodes, or more), and the
    // group is placed again in its turn once the last one is gone. No restart is counted.
    private async Task<ReconcileResult?> SpecChangedAsync(EPGroupPass pass, CancellationToken cancellationToken)
    {
        if (pass.StalePods is not { Count: > 0 } stale)
        {
            return null;
        }

        var message = $"generation {pass.Generation} changes how the ranks run: replacing all {stale.Count} pods of the group at once (no restart is counted)";
        var (version, replaced) = await EnsureExpertMapAsync(pass.Group, pass.Spec, cancellationToken);
        if (replaced)
        {
            message += $"; expert map v{version} replaces v{version - 1}, which has another number of slots or experts";
        }

        // Also a map replaced by an earlier try whose status write lost a race.
        if ((pass.Status.ExpertMap?.Version ?? 0) < version)
        {
            pass.Status.ExpertMap = new ExpertMapStatus { Version = version };
        }

        pass.Status.Phase = EPGroupPhase.Pending;
        pass.Status.Placement = null;
        pass.Status.ReadyRanks = 0;
        pass.Condition("Updating", true, "SpecChanged", message);
        pass.Condition("Scheduled", false, "Updating", "the previous pods are being deleted; the group is placed again once they are gone");
        pass.Condition("Ready", false, "Updating", message);
        // Status first: a stale view gets 409 here and deletes nothing.
        await FinishAsync(pass.Key, pass.Group, pass.Status, pass.Spec, [], cancellationToken);
        await _gangPods.DeleteAsync(pass.Pods, cancellationToken);
        ledger.Release(EPGroupController.Owner(pass.Key));
        await events.RecordAsync(pass.Group, warning: false, "Updating", "Update", message, cancellationToken);
        return ReconcileResult.After(TimeSpan.FromSeconds(1));
    }

    // Step: a pod that cannot run where it was pinned is a placement failure once its chance runs out; until then
    // the group is not Scheduled, and it is looked at again when the chance ends.
    private async Task<ReconcileResult?> MisplacedPodsAsync(EPGroupPass pass, CancellationToken cancellationToken)
    {
        var (spec, mine) = (pass.Spec, pass.Pods);
        if (pass.External || pass.ReadPhase is not (EPGroupPhase.Starting or EPGroupPhase.Running))
        {
            return null;
        }

        if (EPGroupFailure.Misplaced(mine, pass.Now, Durations.Parse(spec.FailurePolicy.InitialBackoff)) is { } misplaced)
        {
            if (misplaced.Final)
            {
                return await PlacementFailedAsync(pass.Key, pass.Group, pass.Status, spec, misplaced, mine, pass.Now, cancellationToken);
            }

            pass.Recheck = misplaced.Remaining + TimeSpan.FromMilliseconds(100);
            pass.Condition("Scheduled", false, "PodUnschedulable", $"{misplaced.Message}; the group is placed again if it still cannot run after {spec.FailurePolicy.InitialBackoff}");
        }
        else if (mine.Count > 0 && mine.All(p => (string?)p["spec"]?["nodeName"] is { Length: > 0 }) && ConditionList.Reason(pass.Status.Conditions, "Scheduled") == "PodUnschedulable")
        {
            pass.Condition("Scheduled", true, "Placed", $"{pass.NodeCount} nodes: {string.Join(", ", mine.Select(p => (string?)p["spec"]?["nodeName"]).Order(StringComparer.Ordinal))}");
        }

        return null;
    }

    // Step: a failed rank of the current attempt restarts the whole group; a Restarting group deletes its pods and
    // waits out its back-off before it is placed again.
    private async Task<ReconcileResult?> RestartAsync(EPGroupPass pass, CancellationToken cancellationToken)
    {
        var (key, group, spec, status, mine, now) = (pass.Key, pass.Group, pass.Spec, pass.Status, pass.Pods, pass.Now);
        // A group waiting for room (or placed again after a misplacement) has no rank that could have failed.
        if (pass.ReadPhase is not (EPGroupPhase.Restarting or EPGroupPhase.Pending) && EPGroupFailure.FailedPod(mine, status.Restarts ?? 0) is { } failed)
        {
            return await RankFailedAsync(key, group, status, spec, failed, mine, now, cancellationToken);
        }

        if (pass.ReadPhase != EPGroupPhase.Restarting)
        {
            return null;
        }

        var due = (status.LastFailure?.Time ?? now)
            + EPGroupFailure.Backoff(status.Restarts ?? 0, Durations.Parse(spec.FailurePolicy.InitialBackoff), Durations.Parse(spec.FailurePolicy.MaxBackoff));
        if (mine.Count > 0)
        {
            await _gangPods.DeleteAsync(mine, cancellationToken);
            await FinishAsync(key, group, status, spec, mine, cancellationToken);
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        if (now < due)
        {
            await FinishAsync(key, group, status, spec, mine, cancellationToken);
            return ReconcileResult.After(due - now);
        }

        return null;
    }

    // Step: with an external gang scheduler, a group without pods hands them to it.
    private async Task<ReconcileResult?> ExternalSchedulerAsync(EPGroupPass pass, CancellationToken cancellationToken) =>
        pass.Pods.Count == 0 && pass.External
            ? await HandOverToSchedulerAsync(pass.Key, pass.Group, pass.Status, pass.Spec, pass.Now, cancellationToken)
            : null;

    // Step: a group placed already creates what is missing on its recorded nodes, so a retry never moves a rank.
    private async Task<ReconcileResult?> ResumePlacementAsync(EPGroupPass pass, CancellationToken cancellationToken)
    {
        var (key, group, spec, status, mine) = (pass.Key, pass.Group, pass.Spec, pass.Status, pass.Pods);
        if (pass.ReadPhase != EPGroupPhase.Starting)
        {
            return null;
        }

        if (mine.Count == 0 && Recorded(status, pass.NodeCount) is { } recorded)
        {
            // The pods may not be in the cache yet, or the operator stopped half-way. A restarted operator's ledger
            // learns of the placement here.
            ledger.Reserve(EPGroupController.Owner(key), Planned(key, group, spec, [.. recorded.OfType<string>()]));
            var created = await CreateChildrenAsync(key, group, spec, recorded, cancellationToken);
            var result = await FinishAsync(key, group, status, spec, mine, cancellationToken);
            return created ? result : ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        if (mine.Count(p => p["metadata"]?["deletionTimestamp"] is null) < pass.NodeCount
            && (pass.External ? [.. Enumerable.Repeat<string?>(null, pass.NodeCount)] : Recorded(status, pass.NodeCount)) is { } incomplete)
        {
            // Some pods exist, not all: a create met the previous run's pod of that name still terminating. Create
            // the rest (on their recorded nodes, or for the external scheduler) once the names are free.
            var created = await CreateChildrenAsync(key, group, spec, incomplete, cancellationToken);
            await FinishAsync(key, group, status, spec, mine, cancellationToken);
            return created ? ReconcileResult.Done : ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        return null;
    }

    // Step: a group without pods asks the ledger for room, in creation order, once the 3FS it mounts is ready;
    // placed, it records the placement and then creates its children.
    private async Task<ReconcileResult?> AdmitAsync(EPGroupPass pass, CancellationToken cancellationToken)
    {
        var (key, group, spec, status) = (pass.Key, pass.Group, pass.Spec, pass.Status);
        if (pass.Pods.Count > 0)
        {
            return null;
        }

        if (ThreeFSWaiting(key, spec) is { } waitingFor)
        {
            // No capacity is taken, and no place in line, until the file system the pods mount can be mounted.
            status.Phase = EPGroupPhase.Pending;
            pass.Condition("Scheduled", false, "WaitingForThreeFS", waitingFor);
            pass.Condition("Ready", false, "WaitingForThreeFS", waitingFor);
            await FinishAsync(key, group, status, spec, pass.Pods, cancellationToken);
            return ReconcileResult.After(TimeSpan.FromSeconds(30));
        }

        EnqueueOlderGroups(group, pass.Now);
        var admission = ledger.Admit(EPGroupController.Owner(key), Created(group, pass.Now), Planner(key, group, spec, pass.Now));
        if (!admission.IsPlaced)
        {
            return await WaitForCapacityAsync(pass, admission, cancellationToken);
        }

        var decision = admission.Placed!.Decision;
        status.Phase = EPGroupPhase.Starting;
        status.ExpertMap ??= new ExpertMapStatus { Version = 1 };
        status.Placement = [.. decision.Nodes.Select((node, i) => new RankPlacement { Node = node, FirstRank = i * spec.RanksPerNode, Ranks = spec.RanksPerNode })];
        pass.Condition("Scheduled", true, "Placed", $"{pass.NodeCount} nodes: {string.Join(", ", decision.Nodes)}");

        // Status first (guarded by the resourceVersion), pods second: a stale view never creates pods. A placement
        // that could not be recorded created nothing, so its reservations go now rather than block this group's
        // next try (and everyone's) until they lapse.
        try
        {
            await FinishAsync(key, group, status, spec, [], cancellationToken);
        }
        catch (Exception)
        {
            ledger.Abandon(EPGroupController.Owner(key), admission);
            throw;
        }

        var placed = await CreateChildrenAsync(key, group, spec, decision.Nodes, cancellationToken);
        await events.RecordAsync(group, warning: false, "Placed", "Schedule", $"placed {spec.Ranks} ranks on {string.Join(", ", decision.Nodes)}", cancellationToken);
        return placed ? ReconcileResult.Done : ReconcileResult.After(TimeSpan.FromSeconds(1));
    }

    // Every other group still waiting for its first placement gets in line before this one asks, so room goes by
    // creation order, not by which reconcile happens to run first.
    private void EnqueueOlderGroups(JsonObject group, DateTimeOffset now)
    {
        var self = ObjectCache.KeyOf(group);
        foreach (var other in groups.Select(_unplacedKey).OfType<ObjectReference>().Where(k => k != self).Select(groups.Get).OfType<JsonObject>()
            .Where(g => pods.ByOwner((string)g["metadata"]!["uid"]!).Count == 0))
        {
            var otherSpec = other["spec"].Deserialize<EPGroupSpec>(ApiJson.Options)!;
            var otherKey = ObjectCache.KeyOf(other);
            if (!EPGroupBuilder.UsesExternalScheduler(otherSpec) && ThreeFSWaiting(otherKey, otherSpec) is null)
            {
                ledger.Enqueue(EPGroupController.Owner(otherKey), Created(other, now), Planner(otherKey, other, otherSpec, now));
            }
        }
    }

    // A group the ledger has no room for waits with the reason; past spec.scheduling.gangTimeout it is reported
    // Unschedulable (with one warning event) and keeps its place in line, since room may still free.
    private async Task<ReconcileResult> WaitForCapacityAsync(EPGroupPass pass, GangAdmission admission, CancellationToken cancellationToken)
    {
        var (spec, status) = (pass.Spec, pass.Status);
        var line = admission.Ahead == 0 ? "" : $" behind {admission.Ahead} older group{(admission.Ahead == 1 ? "" : "s")}";
        var why = $"waiting for capacity{line}: {admission.WaitingReason}";
        var timeout = Durations.Parse(spec.Scheduling.GangTimeout);
        var waited = pass.Now - WaitingSince(status, pass.Now);
        var reason = waited >= timeout ? "Unschedulable" : "WaitingForCapacity";
        if (reason == "Unschedulable")
        {
            why = $"the whole group has not fit for {spec.Scheduling.GangTimeout} (spec.scheduling.gangTimeout), still {why}";
        }

        var newlyUnschedulable = reason == "Unschedulable" && ConditionList.Reason(status.Conditions, "Scheduled") != reason;
        status.Phase = EPGroupPhase.Pending;
        pass.Condition("Scheduled", false, reason, why);
        pass.Condition("Ready", false, reason, "no pod is created until the whole group fits; " + why);
        await FinishAsync(pass.Key, pass.Group, status, spec, pass.Pods, cancellationToken);
        if (newlyUnschedulable)
        {
            await events.RecordAsync(pass.Group, warning: true, "Unschedulable", "Schedule", why, cancellationToken);
        }

        // The ledger wakes the group when room is found for it; nodes changing wake it too. Look again anyway, and
        // when the gang timeout falls due.
        var untilTimeout = timeout - waited;
        return ReconcileResult.After(untilTimeout > TimeSpan.Zero && untilTimeout < TimeSpan.FromSeconds(10) ? untilTimeout : TimeSpan.FromSeconds(10));
    }

    // Step: a placed group keeps its Service and expert map, reads an external scheduler's placement back, and
    // runs the EPLB loop while Running.
    private async Task<ReconcileResult> RunAsync(EPGroupPass pass, CancellationToken cancellationToken)
    {
        var (key, group, spec, status, mine) = (pass.Key, pass.Group, pass.Spec, pass.Status, pass.Pods);
        await EnsureSharedAsync(group, spec, cancellationToken);
        if (pass.External)
        {
            ObserveExternalPlacement(status, spec, mine, pass.Generation, pass.Now);
        }

        var next = pass.ReadPhase == EPGroupPhase.Running && spec.Eplb.Enabled
            ? await BalanceAsync(key, group, status, spec, mine, pass.Now, cancellationToken)
            : ReconcileResult.Done;
        await FinishAsync(key, group, status, spec, mine, cancellationToken);
        // A pod given a chance to be scheduled is looked at again when its chance runs out.
        return pass.Recheck is { } wait && (next.RequeueAfter is not { } after || after > wait) ? ReconcileResult.After(wait) : next;
    }

    // The EPLB loop: once per interval, the load the ranks reported against the current map decides whether a new
    // map (version + 1) is published; the workers switch to it at a step boundary.
    private async Task<ReconcileResult> BalanceAsync(ObjectReference key, JsonObject group, EPGroupStatus status, EPGroupSpec spec, List<JsonObject> mine, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var interval = Durations.Parse(spec.Eplb.Interval);
        var last = status.ExpertMap?.LastRebalanceTime;
        if (last is { } previous && now < previous + interval)
        {
            return ReconcileResult.After(previous + interval - now);
        }

        var mapName = EPGroupNames.ExpertMap(key.Name);
        var cached = configMaps.Get(new ObjectReference(key.Namespace, mapName));
        if (ExpertMapBuilder.Published(cached) is not { } current || ExpertLoadReports.Sum(mine, current.Version, spec.Model.Experts) is not { } load)
        {
            return ReconcileResult.After(interval);
        }

        var measured = ExpertLoadBalancer.Imbalance(ExpertLoadBalancer.GpuLoads(load, current.PhysicalToLogical, current.ReplicaCounts, spec.Ranks));
        metrics.Measured(key.Namespace, key.Name, measured);
        // What the ranks see under the map they run: after a rebalance, this checks the expectation.
        status.ExpertMap ??= new ExpertMapStatus { Version = current.Version };
        status.ExpertMap.MeasuredImbalance = Math.Round(measured, 4);
        status.ExpertMap.MeasuredVersion = current.Version;

        if (EPGroupRebalancer.Decide(spec, current, load) is not { } decision)
        {
            return ReconcileResult.After(interval);
        }

        var version = current.Version + 1;
        await _writer.EnsureAsync($"/api/v1/namespaces/{key.Namespace}/configmaps", ExpertMapBuilder.ConfigMap(group, spec, decision.Plan, version), cached, cancellationToken);
        status.ExpertMap = new ExpertMapStatus
        {
            Version = version,
            ImbalanceBefore = Math.Round(decision.Before, 4),
            ImbalanceAfter = Math.Round(decision.After, 4),
            LastRebalanceTime = now,
        };
        var generation = (long?)group["metadata"]?["generation"] ?? 1;
        var message = $"expert map v{version}: GPU load imbalance {decision.Before.ToString("0.###", CultureInfo.InvariantCulture)} -> {decision.After.ToString("0.###", CultureInfo.InvariantCulture)} (max/mean)";
        ConditionList.Set(status.Conditions ??= [], "Rebalanced", true, "ExpertMapPublished", message, generation, now);
        metrics.Rebalanced(key.Namespace, key.Name, decision.After);
        await events.RecordAsync(group, warning: false, "Rebalanced", "Rebalance", message, cancellationToken);
        return ReconcileResult.After(interval);
    }

    // A pod that cannot run where the group pinned it: every pod goes, the node is avoided for a while, and the
    // group is placed again (the ledger's queue, in creation order) after its pods are gone. No restart is counted:
    // no rank ever ran there.
    private async Task<ReconcileResult> PlacementFailedAsync(ObjectReference key, JsonObject group, EPGroupStatus status, EPGroupSpec spec, Misplacement misplaced, List<JsonObject> mine, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var generation = (long?)group["metadata"]?["generation"] ?? 1;
        if (misplaced.Node is { } node)
        {
            _refusingNodes.GetOrAdd(key, _ => new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal))[node] = now + _avoidRefusingNode;
        }

        status.Phase = EPGroupPhase.Pending;
        status.Placement = null;
        var message = $"{misplaced.Message}; placing the group again{(misplaced.Node is null ? "" : $" without {misplaced.Node}")} (no restart is counted)";
        ConditionList.Set(status.Conditions ??= [], "Scheduled", false, "PlacementFailed", message, generation, now);
        ConditionList.Set(status.Conditions ??= [], "Ready", false, "PlacementFailed", message, generation, now);
        await FinishAsync(key, group, status, spec, [], cancellationToken);
        await _gangPods.DeleteAsync(mine, cancellationToken);
        ledger.Release(EPGroupController.Owner(key));
        await events.RecordAsync(group, warning: true, "PlacementFailed", "Schedule", message, cancellationToken);
        return ReconcileResult.After(TimeSpan.FromSeconds(1));
    }

    // How the ledger places this group whenever it is its turn: the planner over the caches and what is reserved.
    private GangPlanner Planner(ObjectReference key, JsonObject group, EPGroupSpec spec, DateTimeOffset now)
    {
        var request = PlacementInputs.Request(spec, EPGroupBuilder.RdmaPerNode(spec), ThreeFS(key, spec)?.ClientNodes);
        var refusing = RefusingNodes(key, now);
        return reserved =>
        {
            var placed = GangPlacement.Place(request, PlacementInputs.Candidates(nodes.Select(PlacementInputs.CachedNode), pods.Select(PlacementInputs.CachedUsage), reserved, refusing));
            return new GangAttempt(placed, placed.Fits ? Planned(key, group, spec, placed.Nodes) : []);
        };
    }

    // The 3FS file system the group mounts (spec.threeFS), as its cluster in the cache describes it.
    private ThreeFSAttachment? ThreeFS(ObjectReference key, EPGroupSpec spec) =>
        spec.ThreeFS is { } mount && threeFSClusters.Get(new ObjectReference(key.Namespace, mount.ClusterRef)) is { } cluster
            ? ThreeFSAttachment.For(mount, ThreeFSAttachment.Clients(cluster))
            : null;

    // Why the group cannot be placed yet because of the 3FS file system it mounts, or null.
    private string? ThreeFSWaiting(ObjectReference key, EPGroupSpec spec) =>
        spec.ThreeFS is not { } mount ? null
            : ThreeFSAttachment.Waiting(mount, threeFSClusters.Get(new ObjectReference(key.Namespace, mount.ClusterRef))) ?? ThreeFS(key, spec)?.Conflict(spec);

    // A group that has not been placed yet (new, or waiting for room).
    private static bool IsUnplaced(JsonObject group) =>
        group["metadata"]?["deletionTimestamp"] is null && TypedStatus.Of<EPGroupStatus>(group).Phase is null or EPGroupPhase.Pending;

    // The key of each cached group not placed yet, read once per stored version: every admission looks at every group.
    private static readonly CachedProjection<ObjectReference?> _unplacedKey = new(g => IsUnplaced(g) ? ObjectCache.KeyOf(g) : null);

    // Since when the group has been waiting to be placed: the transition of Scheduled to False, else now.
    private static DateTimeOffset WaitingSince(EPGroupStatus status, DateTimeOffset now) =>
        ConditionList.Find(status.Conditions, "Scheduled") is { Status: ConditionStatus.False } waiting ? waiting.LastTransitionTime : now;

    private static DateTimeOffset Created(JsonObject group, DateTimeOffset fallback) =>
        DateTimeOffset.TryParse((string?)group["metadata"]?["creationTimestamp"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : fallback;

    // The nodes this group must avoid now, with the reason the planner reports for them.
    private Dictionary<string, string> RefusingNodes(ObjectReference key, DateTimeOffset now) =>
        _refusingNodes.TryGetValue(key, out var nodesRefusing)
            ? nodesRefusing.Where(n => n.Value > now).ToDictionary(n => n.Key, _ => "that refused one of this group's pods in the last minutes", StringComparer.Ordinal)
            : [];

    // The group's pods on the given nodes, as the ledger holds them: name, node and what each requests (the same for
    // every pod of a group, so read from one).
    private static List<PlannedPod> Planned(ObjectReference key, JsonObject group, EPGroupSpec spec, IReadOnlyList<string> nodesInOrder)
    {
        if (nodesInOrder.Count == 0)
        {
            return [];
        }

        var requests = PodResources.Requests(EPGroupBuilder.Pod(group, spec, 0, nodesInOrder[0]));
        return [.. nodesInOrder.Select((node, i) => new PlannedPod($"{key.Namespace}/{EPGroupNames.Pod(key.Name, i)}", node, requests))];
    }

    private static string PodKey(ObjectReference key, JsonObject pod) => $"{key.Namespace}/{pod["metadata"]?["name"]}";

    private async Task<ReconcileResult> RankFailedAsync(ObjectReference key, JsonObject group, EPGroupStatus status, EPGroupSpec spec, JsonObject failed, List<JsonObject> mine, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var generation = (long?)group["metadata"]?["generation"] ?? 1;
        var (reason, message) = EPGroupFailure.Describe(failed);
        var podName = (string)failed["metadata"]!["name"]!;
        // A failed selftest leaves the worker container unstarted: its table is in the init container's log.
        var tail = await _gangPods.LogTailAsync(key.Namespace, podName, reason == EPGroupFailure.SelfTestFailed ? EPGroupBuilder.SelfTestContainer : null, cancellationToken);
        var restarts = status.Restarts ?? 0;
        status.LastFailure = new FailureRecord { Reason = reason, Message = message, Pod = podName, Time = now, LogTail = tail };
        // The status is written first: should it meet a newer group (409), nothing has been deleted on a stale view.
        if (restarts >= spec.FailurePolicy.MaxRestarts)
        {
            status.Phase = EPGroupPhase.Failed;
            ConditionList.Set(status.Conditions ??= [], "Ready", false, "RestartsExhausted", $"{message}; {restarts} restarts of {spec.FailurePolicy.MaxRestarts} allowed are used up", generation, now);
            await FinishAsync(key, group, status, spec, [], cancellationToken);
            await _gangPods.DeleteAsync(mine, cancellationToken);
            await events.RecordAsync(group, warning: true, "Failed", "Restart", $"{message}; no restarts left", cancellationToken);
            return ReconcileResult.Done;
        }

        var delay = EPGroupFailure.Backoff(restarts + 1, Durations.Parse(spec.FailurePolicy.InitialBackoff), Durations.Parse(spec.FailurePolicy.MaxBackoff));
        status.Restarts = restarts + 1;
        status.Phase = EPGroupPhase.Restarting;
        ConditionList.Set(status.Conditions ??= [], "Ready", false, reason, $"{message}; restarting the whole group in {delay.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s (restart {restarts + 1} of {spec.FailurePolicy.MaxRestarts})", generation, now);
        await FinishAsync(key, group, status, spec, [], cancellationToken);
        await _gangPods.DeleteAsync(mine, cancellationToken);
        metrics.Restarted(key.Namespace, key.Name);
        await events.RecordAsync(group, warning: true, "Restarting", "Restart", $"{message}; restarting the group in {delay.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s", cancellationToken);
        return ReconcileResult.After(delay);
    }

    // An external gang scheduler places the pods: the PodGroup tells it they go together, the pods carry its name
    // and the PodGroup label, and no pod is pinned to a node. Without the PodGroup API (or the RBAC to write it) the
    // group says so and creates no pod, rather than leaving pods that a gang scheduler would never place.
    private async Task<ReconcileResult> HandOverToSchedulerAsync(ObjectReference key, JsonObject group, EPGroupStatus status, EPGroupSpec spec, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var generation = (long?)group["metadata"]?["generation"] ?? 1;
        var nodeCount = spec.Ranks / spec.RanksPerNode;
        var scheduler = spec.Scheduling.SchedulerName!;
        try
        {
            await _writer.EnsureAsync($"/apis/scheduling.x-k8s.io/v1alpha1/namespaces/{key.Namespace}/podgroups", EPGroupBuilder.PodGroup(group, spec), null, cancellationToken);
        }
        catch (ApiRequestException e) when (e.Status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            var why = e.Status == HttpStatusCode.NotFound
                ? "the cluster has no scheduling.x-k8s.io/v1alpha1 PodGroup API; install the scheduler-plugins coscheduling CRDs, or remove spec.scheduling.schedulerName to let the operator place the group"
                : "the operator may not write PodGroups; install the chart with externalGangScheduler.enabled=true";
            status.Phase = EPGroupPhase.Pending;
            ConditionList.Set(status.Conditions ??= [], "Scheduled", false, "PodGroupUnavailable", $"spec.scheduling.schedulerName is {scheduler}, but {why}", generation, now);
            ConditionList.Set(status.Conditions ??= [], "Ready", false, "PodGroupUnavailable", "no pod is created until the group can be gang-scheduled", generation, now);
            await FinishAsync(key, group, status, spec, [], cancellationToken);
            return ReconcileResult.After(TimeSpan.FromSeconds(30));
        }

        status.Phase = EPGroupPhase.Starting;
        status.ExpertMap ??= new ExpertMapStatus { Version = 1 };
        status.Placement = null;
        ConditionList.Set(status.Conditions ??= [], "Scheduled", false, "WaitingForScheduler", $"{scheduler} places the {nodeCount} pods as one gang (PodGroup {EPGroupNames.PodGroup(key.Name)})", generation, now);
        await FinishAsync(key, group, status, spec, [], cancellationToken);
        var created = await CreateChildrenAsync(key, group, spec, [.. Enumerable.Repeat<string?>(null, nodeCount)], cancellationToken);
        return created ? ReconcileResult.Done : ReconcileResult.After(TimeSpan.FromSeconds(1));
    }

    // The placement an external scheduler chose, read back from the pods once every one is bound.
    private static void ObserveExternalPlacement(EPGroupStatus status, EPGroupSpec spec, List<JsonObject> mine, long generation, DateTimeOffset now)
    {
        var nodeCount = spec.Ranks / spec.RanksPerNode;
        var bound = mine
            .Where(p => p["metadata"]?["deletionTimestamp"] is null && (string?)p["spec"]?["nodeName"] is { Length: > 0 })
            .Select(p => (Index: int.Parse((string?)p["metadata"]?["labels"]?[EPGroupNames.NodeIndexLabel] ?? "0", CultureInfo.InvariantCulture), Node: (string)p["spec"]!["nodeName"]!))
            .OrderBy(p => p.Index)
            .ToList();
        var scheduler = spec.Scheduling.SchedulerName!;
        if (bound.Count < nodeCount)
        {
            ConditionList.Set(status.Conditions ??= [], "Scheduled", false, "WaitingForScheduler", $"{bound.Count} of {nodeCount} pods placed by {scheduler}", generation, now);
            return;
        }

        status.Placement = [.. bound.Select(p => new RankPlacement { Node = p.Node, FirstRank = p.Index * spec.RanksPerNode, Ranks = spec.RanksPerNode })];
        ConditionList.Set(status.Conditions ??= [], "Scheduled", true, "Placed", $"{scheduler} placed {nodeCount} nodes: {string.Join(", ", bound.Select(p => p.Node))}", generation, now);
    }

    private static List<string?>? Recorded(EPGroupStatus status, int nodeCount)
    {
        var nodes = status.Placement?.Select(p => p.Node).OfType<string>().ToList<string?>();
        return nodes?.Count == nodeCount ? nodes : null;
    }

    /// <summary>Creates the Service, the expert map and pod i on nodes[i] (null: left to the scheduler); false when a pod's name is still held by a terminating pod of the previous run.</summary>
    private async Task<bool> CreateChildrenAsync(ObjectReference key, JsonObject group, EPGroupSpec spec, IReadOnlyList<string?> nodes, CancellationToken cancellationToken)
    {
        var podNames = Enumerable.Range(0, nodes.Count).Select(i => EPGroupNames.Pod(key.Name, i)).ToList();
        // The workers' access only when pods are about to be created (a start or a restart), so a settled group
        // costs no requests. None of these objects needs another to exist first, so they go in one round trip
        // (a group's start is round trips more than work); the pods, which need them, after.
        var access = podNames.Any(pod => pods.Get(new ObjectReference(key.Namespace, pod)) is null)
            ? WorkerAccess.Objects(group, EPGroup.KindName, EPGroupNames.GroupLabel, podNames).Select(o => (Task)_writer.EnsureAsync(o.Collection, o.Object, null, cancellationToken))
            : [];
        await Task.WhenAll([EnsureSharedAsync(group, spec, cancellationToken), .. access]);

        var threeFS = ThreeFS(key, spec);
        var revision = EPGroupBuilder.Revision(spec);
        Task<ChildOutcome> EnsurePodAsync(int i) => _writer.EnsureAsync(
            $"/api/v1/namespaces/{key.Namespace}/pods", EPGroupBuilder.Pod(group, spec, i, nodes[i], threeFS, revision), pods.Get(new ObjectReference(key.Namespace, EPGroupNames.Pod(key.Name, i))), cancellationToken);

        // In batches of 1, 2, 4, ... as the ReplicaSet controller's slow start: a group of many pods is not created
        // one round trip at a time, and a create that fails (quota, admission) fails its batch before more are sent.
        var complete = true;
        for (var (next, batch) = (0, 1); next < nodes.Count; next += batch, batch *= 2)
        {
            var outcomes = await Task.WhenAll(Enumerable.Range(next, Math.Min(batch, nodes.Count - next)).Select(EnsurePodAsync));
            complete &= outcomes.All(outcome => outcome != ChildOutcome.Terminating);
        }

        return complete;
    }

    private async Task EnsureSharedAsync(JsonObject group, EPGroupSpec spec, CancellationToken cancellationToken)
    {
        var ns = (string)group["metadata"]!["namespace"]!;
        var name = (string)group["metadata"]!["name"]!;
        await Task.WhenAll(
            _writer.EnsureAsync($"/api/v1/namespaces/{ns}/services", EPGroupBuilder.HeadlessService(group), services.Get(new ObjectReference(ns, EPGroupNames.Service(name))), cancellationToken),
            EnsureExpertMapAsync(group, spec, cancellationToken));
    }

    // The expert map the ranks of this spec load, and its version: created at v1 when missing; when it has another
    // number of slots, slots per rank or experts (the ranks would refuse it, and the balanced map cannot carry over),
    // replaced by a fresh plan a version above, so nothing mistakes it for the old. Otherwise it is kept.
    private async Task<(long Version, bool Replaced)> EnsureExpertMapAsync(JsonObject group, EPGroupSpec spec, CancellationToken cancellationToken)
    {
        var ns = (string)group["metadata"]!["namespace"]!;
        var cached = configMaps.Get(new ObjectReference(ns, EPGroupNames.ExpertMap((string)group["metadata"]!["name"]!)));
        var published = ExpertMapBuilder.Published(cached);
        if (cached is not null && (published is null || ExpertMapBuilder.Fits(published, spec)))
        {
            return (published?.Version ?? 0, false);
        }

        var version = (published?.Version ?? 0) + 1;
        await _writer.EnsureAsync($"/api/v1/namespaces/{ns}/configmaps", ExpertMapBuilder.ConfigMap(group, spec, ExpertMapBuilder.Plan(spec), version), cached, cancellationToken);
        return (version, published is not null);
    }

    // Ready ranks, phase and the Ready condition from the pods, then the status write if anything changed.
    // observedGeneration says which spec the group runs: it advances only once every rank runs this generation's
    // spec (in-place fields are in effect as soon as they are read), and then the Updating condition is settled.
    private static void Realized(EPGroupStatus status, long generation, EPGroupSpec spec, List<JsonObject> live, DateTimeOffset now)
    {
        // The revision (a hash of the spec) only when the rest holds: most status writes are of groups not Running.
        if (status.Phase != EPGroupPhase.Running || live.Count != spec.Ranks / spec.RanksPerNode || EPGroupBuilder.Revision(spec) is var revision && live.Any(p => EPGroupBuilder.IsOutdated(p, revision)))
        {
            return;
        }

        status.ObservedGeneration = generation;
        if (ConditionList.Find(status.Conditions, "Updating") is { Status: ConditionStatus.True })
        {
            ConditionList.Set(status.Conditions!, "Updating", false, "Updated", $"all {spec.Ranks} ranks run generation {generation}", generation, now);
        }
    }

    private async Task<ReconcileResult> FinishAsync(ObjectReference key, JsonObject group, EPGroupStatus status, EPGroupSpec spec, List<JsonObject> mine, CancellationToken cancellationToken)
    {
        var generation = (long?)group["metadata"]?["generation"] ?? 1;
        var now = clock.GetUtcNow();
        var live = mine.Where(p => p["metadata"]?["deletionTimestamp"] is null).ToList();
        var readyPods = live.Count(p => p["status"]?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True") == true);
        var nodeCount = spec.Ranks / spec.RanksPerNode;
        var phase = status.Phase;
        if (phase is EPGroupPhase.Starting or EPGroupPhase.Running && live.Count == nodeCount)
        {
            var running = readyPods == nodeCount;
            status.Phase = running ? EPGroupPhase.Running : EPGroupPhase.Starting;
            ConditionList.Set(status.Conditions ??= [], "Ready", running, running ? "AllRanksReady" : "RanksStarting",
                running ? $"{spec.Ranks} of {spec.Ranks} ranks ready" : $"{readyPods * spec.RanksPerNode} of {spec.Ranks} ranks ready", generation, now);
        }

        status.ReadyRanks = readyPods * spec.RanksPerNode;
        status.Restarts ??= 0;
        Realized(status, generation, spec, live, now);
        var ready = readyPods * spec.RanksPerNode;
        var pending = status.Phase is EPGroupPhase.Pending or EPGroupPhase.Restarting ? spec.Ranks : 0;
        metrics.Ranks(key.Namespace, key.Name, ready, spec.Ranks - ready - pending, pending);
        // Guarded by the resourceVersion that was read: a reconcile on a stale cache gets 409 (thrown, so nothing
        // after this status write, pods included, happens) and runs again on the newer group.
        await _status.WriteAsync($"/apis/moe.dev/v1alpha1/namespaces/{key.Namespace}/epgroups/{key.Name}", group, TypedStatus.ToJson(status), cancellationToken);

        return ReconcileResult.Done;
    }
}
