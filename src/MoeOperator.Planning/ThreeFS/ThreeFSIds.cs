namespace MoeOperator.Planning.ThreeFS;

/// <summary>
/// 3FS identifiers in upstream numbering (deploy/README.md and its chain-table generator), so that admin_cli output,
/// upstream tools and the operator speak of the same targets and chains. A target id records prefix, node, disk and
/// index in fixed decimal fields; a chain id records prefix, disk and index.
/// </summary>
public static class ThreeFSIds
{
    /// <summary>Upstream's first mgmtd node id; the others count up from it.</summary>
    public const int FirstMgmtdNodeId = 1;

    /// <summary>Upstream's first meta node id.</summary>
    public const int FirstMetaNodeId = 100;

    /// <summary>Upstream's first storage node id.</summary>
    public const int FirstStorageNodeId = 10001;

    /// <summary>The target-id field for the target's index on its disk holds two digits.</summary>
    public const int MaxTargetsPerDisk = 99;

    /// <summary>The disk field holds three digits and counts from 1.</summary>
    public const int MaxDisksPerNode = 999;

    /// <summary>The chain-index field holds five digits and counts from 1.</summary>
    public const int MaxChainsPerDisk = 99_999;

    /// <summary>The node field holds six digits.</summary>
    public const int MaxNodeId = 999_999;

    public static int MgmtdNodeId(int ordinal) => FirstMgmtdNodeId + ordinal;

    public static int MetaNodeId(int ordinal) => FirstMetaNodeId + ordinal;

    public static int StorageNodeId(int ordinal) => FirstStorageNodeId + ordinal;

    /// <summary>((prefix * 10^6 + node) * 1000 + disk + 1) * 100 + index + 1, for example 101000100101.</summary>
    public static long TargetId(int prefix, int nodeId, int disk, int index) =>
        ((((long)prefix * 1_000_000) + nodeId) * 1000 + disk + 1) * 100 + index + 1;

    /// <summary>(prefix * 1000 + disk + 1) * 10^5 + index + 1, for example 900100001.</summary>
    public static long ChainId(int prefix, int disk, int index) =>
        ((long)prefix * 1000 + disk + 1) * 100_000 + index + 1;

    /// <summary>The node id a target id carries.</summary>
    public static int NodeOfTarget(long targetId) => (int)(targetId / 100_000 % 1_000_000);

    /// <summary>The disk (from 0) a target id carries.</summary>
    public static int DiskOfTarget(long targetId) => (int)(targetId / 100 % 1000) - 1;
}
