namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>The 3FS programs the operator configures; each reads its own set of TOML files.</summary>
internal enum ThreeFSComponent
{
    Mgmtd,
    Meta,
    Storage,
    Fuse,
    AdminCli,
}
