using System.Collections.Concurrent;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// Rolling restarts when what a daemon runs with changes (spec.image, a component's resources, storage's io_uring
/// switch: <see cref="ThreeFSPodBuilder.DaemonRevision"/>): one daemon at a time, mgmtd first, then meta, then storage. A storage
/// daemon is replaced only when every other daemon is ready and a probe taken after the previous replacement shows
/// every chain fully serving again, so no chain ever has two replicas down because of the upgrade.
/// </summary>
internal sealed partial class ThreeFSClusterReconciler
{
    // When every daemon was first seen ready after the last replacement.
    private readonly ConcurrentDictionary<ObjectReference, DateTimeOffset> _readySince = new();

    // Null when every daemon runs its component's current revision; otherwise when to look again.
    private async Task<ReconcileResult?> UpgradeAsync(ThreeFSClusterPass pass, CancellationToken cancellationToken)
    {
        var (key, cluster, spec, status, generation, now, members) = (pass.Key, pass.Cluster, pass.Spec, pass.Status, pass.Generation, pass.Now, pass.Members);
        var daemons = members
            .Select(m => (Member: m, Pod: pods.Get(new ObjectReference(key.Namespace, ThreeFSNames.ServerPod(key.Name, Enum.Parse<ThreeFSComponent>(m.Component, ignoreCase: true), m.NodeId)))))
            .ToList();
        // A daemon being replaced (terminating, or not yet re-created) counts as outdated until it runs the new revision.
        var stale = daemons
            .Where(d => d.Pod is null || d.Pod["metadata"]?["deletionTimestamp"] is not null
                || (string?)d.Pod["metadata"]?["annotations"]?[ThreeFSNames.RevisionAnnotation] != ThreeFSPodBuilder.DaemonRevision(spec, Enum.Parse<ThreeFSComponent>(d.Member.Component, ignoreCase: true)))
            .OrderBy(d => d.Member.Component switch { "mgmtd" => 0, "meta" => 1, _ => 2 })
            .ThenBy(d => d.Member.NodeId)
            .ToList();
        metrics.Outdated(key.Namespace, key.Name, stale.Count);
        if (stale.Count == 0)
        {
            if (ConditionList.Set(status.Conditions ??= [], "Upgrading", false, "UpToDate", $"every daemon runs {spec.Image} with the spec's resources and settings", generation, now))
            {
                await events.RecordAsync(cluster, warning: false, "Upgraded", "Upgrade", $"every daemon runs {spec.Image} with the spec's resources and settings", cancellationToken);
            }

            return null;
        }

        status.Phase = ThreeFSClusterPhase.Upgrading;
        ConditionList.Set(status.Conditions ??= [], "Upgrading", true, "RollingRestart", $"{daemons.Count - stale.Count} of {daemons.Count} daemons run {spec.Image} with the spec's resources and settings; restarting one at a time", generation, now);
        var next = stale[0];
        var othersReady = daemons.All(d => d.Pod is not null && IsReady(d.Pod));
        if (!othersReady)
        {
            return ReconcileResult.After(_poll);
        }

        if (next.Member.Component == "storage")
        {
            // The replaced daemon is ready again: note when, once. Only a probe started after that says whether
            // its targets have synced and its chains serve again.
            var readySince = _readySince.GetOrAdd(key, now);
            if (!_health.TryGetValue(key, out var health) || health.Time <= readySince || !health.Health.AllChainsServing)
            {
                return ReconcileResult.After(_poll);
            }
        }

        var name = (string)next.Pod!["metadata"]!["name"]!;
        await api.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{key.Namespace}/pods/{name}", cancellationToken: cancellationToken);
        _readySince.TryRemove(key, out _);
        await events.RecordAsync(cluster, warning: false, "RollingRestart", "Upgrade", $"restarting {next.Member.Component} {next.Member.NodeId} on {next.Member.Node} with {spec.Image}", cancellationToken);
        return ReconcileResult.After(_poll);
    }
}
