using MoeOperator.Controllers.ThreeFSClusters.AdminCli;
using MoeOperator.Planning.ThreeFS;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>What FoundationDB holds of the chain table when a cluster adopts retained data.</summary>
internal enum RetainedTableVerdict
{
    /// <summary>No targets and no chains: the table was never created; the bootstrap creates it.</summary>
    Empty,

    /// <summary>Exactly the planned chains on exactly the planned targets.</summary>
    AsPlanned,

    /// <summary>Not the fresh plan (a scale-out changed it), but every chain fits the spec: kept as it is.</summary>
    FitsTheSpec,

    /// <summary>Targets or chains the spec cannot hold: the cluster must not start on it.</summary>
    Mismatch,
}

/// <summary>The verdict and what it rests on, in words for an event or a condition.</summary>
internal sealed record RetainedTableCheck(RetainedTableVerdict Verdict, string Message);

/// <summary>
/// Checks the chain table and targets FoundationDB holds for an adopted cluster against the plan: the same chains on
/// the same targets is the common case (deleted with Retain, created again from the same spec); a table grown by a
/// scale-out is accepted when every chain has the replication factor's replicas on distinct storage nodes of this
/// cluster and disks it has; anything else (another cluster's layout, fewer disks or nodes) is refused, naming the
/// first chain or target that does not fit.
/// </summary>
internal static class RetainedChainTable
{
    public static RetainedTableCheck Verify(ChainTable planned, IReadOnlyList<AdminCliChain> chains, IReadOnlyList<AdminCliTarget> targets, int replication, IReadOnlyCollection<int> storageNodeIds, int disks)
    {
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(chains);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(storageNodeIds);
        if (chains.Count == 0 && targets.Count == 0)
        {
            return new(RetainedTableVerdict.Empty, "FoundationDB holds no chains or targets yet");
        }

        var plannedChains = planned.Chains.ToDictionary(c => c.Id, c => c.Targets.Select(t => t.Id).Order().ToList());
        var asPlanned = chains.Count == plannedChains.Count && chains.All(c =>
            plannedChains.TryGetValue(c.Id, out var plannedTargets) && c.Replicas.Select(r => r.TargetId).Order().SequenceEqual(plannedTargets));
        if (asPlanned)
        {
            return new(RetainedTableVerdict.AsPlanned, $"{chains.Count} chains and {targets.Count} targets, as planned");
        }

        foreach (var target in targets)
        {
            if (!storageNodeIds.Contains((int)target.NodeId) || target.DiskIndex < 0 || target.DiskIndex >= disks)
            {
                return new(RetainedTableVerdict.Mismatch,
                    $"target {target.Id} is on storage node {target.NodeId} disk {target.DiskIndex}, but this cluster has storage nodes {string.Join(", ", storageNodeIds.Order())} with {disks} disks each");
            }
        }

        var targetNode = targets.ToDictionary(t => t.Id, t => t.NodeId);
        foreach (var chain in chains)
        {
            var nodes = chain.Replicas.Select(r => targetNode.TryGetValue(r.TargetId, out var node) ? node : ThreeFSIds.NodeOfTarget(r.TargetId)).ToList();
            if (chain.Replicas.Count != replication || nodes.Distinct().Count() != nodes.Count)
            {
                return new(RetainedTableVerdict.Mismatch,
                    $"chain {chain.Id} has {chain.Replicas.Count} replicas on storage nodes {string.Join(", ", nodes)}, but spec.storage.replicationFactor is {replication}, on distinct nodes");
            }

            if (nodes.FirstOrDefault(n => !storageNodeIds.Contains((int)n)) is var stranger && stranger != 0)
            {
                return new(RetainedTableVerdict.Mismatch, $"chain {chain.Id} has a replica on storage node {stranger}, which this cluster does not have");
            }
        }

        return new(RetainedTableVerdict.FitsTheSpec,
            $"{chains.Count} chains and {targets.Count} targets; not the fresh plan of {plannedChains.Count} chains (a scale-out changed it), but every chain has {replication} replicas on distinct storage nodes of this cluster");
    }
}
