namespace MoeOperator.Planning.ThreeFS;

/// <summary>One replica of an existing chain moving to another node: a new target is added, syncs, and only then the old one leaves.</summary>
public sealed record ReplicaMove(long ChainId, ChainTarget From, ChainTarget To);

/// <summary>
/// How a chain table grows onto new storage nodes: replica moves within existing chains (ids kept), chains to
/// create on the freed and new targets, and the table they end in, which is as balanced as a fresh plan for the
/// larger node set.
/// </summary>
public sealed record ChainMigration(IReadOnlyList<ReplicaMove> Moves, IReadOnlyList<Chain> NewChains, ChainTable Final);
