namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>The bootstrap steps: their names in status, which ones are Jobs, and which step comes next.</summary>
internal static class ThreeFSBootstrap
{
    public static IReadOnlyList<ThreeFSBootstrapStep> Order { get; } = Enum.GetValues<ThreeFSBootstrapStep>();

    /// <summary>The step's name in status and in its Job's name: init-cluster, set-config-meta, ...</summary>
    public static string Name(ThreeFSBootstrapStep step) => step switch
    {
        ThreeFSBootstrapStep.CheckFoundationDB => "check-fdb-version",
        ThreeFSBootstrapStep.InitCluster => "init-cluster",
        ThreeFSBootstrapStep.SetConfigMeta => "set-config-meta",
        ThreeFSBootstrapStep.SetConfigStorage => "set-config-storage",
        ThreeFSBootstrapStep.SetConfigFuse => "set-config-fuse",
        ThreeFSBootstrapStep.RootUser => "root-user",
        ThreeFSBootstrapStep.CreateTargets => "create-targets",
        ThreeFSBootstrapStep.UploadChains => "upload-chains",
        ThreeFSBootstrapStep.UploadChainTable => "upload-chain-table",
        _ => step.ToString().ToLowerInvariant(),
    };

    /// <summary>Steps done by an admin Job (the rest start daemons and wait for them).</summary>
    public static bool IsJob(ThreeFSBootstrapStep step) =>
        step is not (ThreeFSBootstrapStep.Mgmtd or ThreeFSBootstrapStep.Meta or ThreeFSBootstrapStep.Storage or ThreeFSBootstrapStep.Clients);

    /// <summary>The main config a Job step reads, if any.</summary>
    public static ThreeFSComponent? MainConfig(ThreeFSBootstrapStep step) => step switch
    {
        ThreeFSBootstrapStep.InitCluster => ThreeFSComponent.Mgmtd,
        ThreeFSBootstrapStep.SetConfigMeta => ThreeFSComponent.Meta,
        ThreeFSBootstrapStep.SetConfigStorage => ThreeFSComponent.Storage,
        ThreeFSBootstrapStep.SetConfigFuse => ThreeFSComponent.Fuse,
        _ => null,
    };

    public static bool ReadsChainTable(ThreeFSBootstrapStep step) =>
        step is ThreeFSBootstrapStep.CreateTargets or ThreeFSBootstrapStep.UploadChains or ThreeFSBootstrapStep.UploadChainTable;

    /// <summary>The first step not yet completed, or null when bootstrap is done; completed steps must form a prefix of <see cref="Order"/>.</summary>
    public static ThreeFSBootstrapStep? Next(IReadOnlyCollection<string> completed, bool clientsEnabled) =>
        Order.Where(s => clientsEnabled || s is not (ThreeFSBootstrapStep.SetConfigFuse or ThreeFSBootstrapStep.Clients))
            .Cast<ThreeFSBootstrapStep?>()
            .FirstOrDefault(s => !completed.Contains(Name(s!.Value)));
}
