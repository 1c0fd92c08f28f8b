namespace MoeOperator.Controllers.ThreeFSClusters.AdminCli;

/// <summary>One replica in a row of <c>list-chains</c>: <c>101000100101(SERVING-UPTODATE)</c>.</summary>
internal sealed record ChainReplica(long TargetId, string PublicState, string LocalState);

/// <summary>A row of <c>admin_cli list-chains</c>: a chain, its version and status, and its replicas from head to tail.</summary>
internal sealed record AdminCliChain(long Id, long Version, string Status, IReadOnlyList<ChainReplica> Replicas);

/// <summary>A row of <c>admin_cli list-targets</c>.</summary>
internal sealed record AdminCliTarget(long Id, long ChainId, string Role, string PublicState, string LocalState, long NodeId, int DiskIndex);
