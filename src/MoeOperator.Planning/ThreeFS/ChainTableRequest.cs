namespace MoeOperator.Planning.ThreeFS;

/// <summary>
/// What a chain table is cut from: storage nodes (by 3FS node id), disks per node, targets per disk and replicas per
/// chain. Every disk index holds whole chains, as upstream numbering requires (a chain id carries its disk).
/// </summary>
public sealed record ChainTableRequest(IReadOnlyList<int> NodeIds, int DisksPerNode, int TargetsPerDisk, int ReplicationFactor)
{
    /// <summary>Leading digit(s) of every target id; upstream's example uses 1.</summary>
    public int TargetIdPrefix { get; init; } = 1;

    /// <summary>Leading digit(s) of every chain id; upstream's example uses 9.</summary>
    public int ChainIdPrefix { get; init; } = 9;

    /// <summary>Chains one file is striped over, checked against the chain count when set.</summary>
    public int? StripeSize { get; init; }

    /// <summary>Storage nodes with upstream's ids 10001, 10002, ...</summary>
    public static ChainTableRequest ForNodes(int nodes, int disksPerNode, int targetsPerDisk, int replicationFactor) =>
        new(Enumerable.Range(0, Math.Max(nodes, 0)).Select(ThreeFSIds.StorageNodeId).ToList(), disksPerNode, targetsPerDisk, replicationFactor);

    public int ChainsPerDisk => NodeIds.Count * TargetsPerDisk / ReplicationFactor;

    public int Chains => ChainsPerDisk * DisksPerNode;
}
