namespace MoeOperator.Planning.ThreeFS;

/// <summary>One storage target: a slice of one disk on one storage node.</summary>
public sealed record ChainTarget(long Id, int Node, int Disk);

/// <summary>A CRAQ chain: writes enter at the first target (the head) and leave at the last; reads go to any.</summary>
public sealed record Chain(long Id, IReadOnlyList<ChainTarget> Targets);

/// <summary>
/// A planned chain table: the chains, in table order (consecutive chains sit on different disks, so a file's stripe
/// spreads over disks), and how evenly the nodes share them.
/// </summary>
public sealed record ChainTable(IReadOnlyList<Chain> Chains, ChainTableBalance Balance);

/// <summary>
/// How evenly a table spreads work. Pair counts say how many chains each pair of nodes shares: when a node fails,
/// its chains recover from the nodes it shares them with, so equal counts spread recovery over every survivor.
/// Head counts say how many chains each node leads (writes enter at the head).
/// </summary>
public sealed record ChainTableBalance(int MinChainsPerNodePair, int MaxChainsPerNodePair, int MinHeadsPerNode, int MaxHeadsPerNode)
{
    public int PairSpread => MaxChainsPerNodePair - MinChainsPerNodePair;

    public int HeadSpread => MaxHeadsPerNode - MinHeadsPerNode;
}
