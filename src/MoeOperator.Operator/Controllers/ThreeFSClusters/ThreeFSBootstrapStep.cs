namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// Upstream's bootstrap order (deploy guide), after checking that the 3FS image's FoundationDB client matches the
/// server version (a mismatch hangs init-cluster): init-cluster, mgmtd, the META config and meta, the STORAGE config
/// and storage, the root user, targets, chains and the chain table, the FUSE config and the clients. Each is done
/// once and recorded in status.completedBootstrapSteps under <see cref="ThreeFSBootstrap.Name"/>.
/// </summary>
internal enum ThreeFSBootstrapStep
{
    CheckFoundationDB,
    InitCluster,
    Mgmtd,
    SetConfigMeta,
    Meta,
    SetConfigStorage,
    Storage,
    RootUser,
    CreateTargets,
    UploadChains,
    UploadChainTable,
    SetConfigFuse,
    Clients,
}
