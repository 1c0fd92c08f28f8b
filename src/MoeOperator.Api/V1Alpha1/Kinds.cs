namespace MoeOperator.Api.V1Alpha1;

/// <summary>The kinds this API serves, with their names and printer columns.</summary>
public static class Kinds
{
    /// <summary>The category every kind belongs to, so <c>kubectl get moe</c> lists them all.</summary>
    public const string Category = "moe";

    /// <summary>ThreeFSCluster.</summary>
    public static KindInfo ThreeFSCluster { get; } = new(
        typeof(ThreeFSCluster), typeof(ThreeFSClusterSpec), typeof(ThreeFSClusterStatus), V1Alpha1.ThreeFSCluster.KindName, "threefsclusters", "tfs",
        [
            new("Phase", "string", ".status.phase", "Summary of the cluster's state"),
            new("Storage", "integer", ".spec.storage.replicas", "Storage nodes asked for"),
            new("Ready", "integer", ".status.nodes.storage.ready", "Storage nodes up"),
            new("Chains", "integer", ".status.chains.total", "Chains in the table"),
            new("Serving", "integer", ".status.chains.serving", "Chains whose every replica serves"),
            new("Table", "integer", ".status.chainTableVersion", "Chain table version", 1),
        ]);

    /// <summary>EPGroup.</summary>
    public static KindInfo EPGroup { get; } = new(
        typeof(EPGroup), typeof(EPGroupSpec), typeof(EPGroupStatus), V1Alpha1.EPGroup.KindName, "epgroups", "epg",
        [
            new("Phase", "string", ".status.phase", "Summary of the group's state"),
            new("Ranks", "integer", ".spec.ranks", "Expert-parallel ranks"),
            new("Ready", "integer", ".status.readyRanks", "Ranks whose pod is ready"),
            new("Imbalance", "number", ".status.expertMap.imbalanceAfter", "Max/mean GPU expert load after the last rebalance"),
            new("Restarts", "integer", ".status.restarts", "Whole-group restarts"),
            new("Map", "integer", ".status.expertMap.version", "Expert map version", 1),
        ]);

    /// <summary>TrainingJob.</summary>
    public static KindInfo TrainingJob { get; } = new(
        typeof(TrainingJob), typeof(TrainingJobSpec), typeof(TrainingJobStatus), V1Alpha1.TrainingJob.KindName, "trainingjobs", "tj",
        [
            new("Phase", "string", ".status.phase", "Summary of the job's state"),
            new("Step", "integer", ".status.step", "Last completed step"),
            new("Steps", "integer", ".spec.training.steps", "Steps to run"),
            new("Loss", "number", ".status.loss", "Loss at the last reported step"),
            new("Restarts", "integer", ".status.restarts", "Whole-job restarts"),
            new("Tokens/s", "number", ".status.tokensPerSecond", "Training throughput", 1),
        ]);

    /// <summary>All kinds, in the order their CRDs are written.</summary>
    public static IReadOnlyList<KindInfo> All { get; } = [EPGroup, ThreeFSCluster, TrainingJob];
}
