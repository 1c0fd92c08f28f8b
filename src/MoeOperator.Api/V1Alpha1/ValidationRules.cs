namespace MoeOperator.Api.V1Alpha1;

/// <summary>
/// Every cross-field rule of the API, in one place. The CRD generator attaches each rule to its type's schema
/// node, so the API server enforces them; the operator and the tests evaluate the same expressions.
/// </summary>
/// <remarks>
/// Exactly-one-of rules use has() on objects. The .NET CEL evaluator treats an empty object as absent, so every
/// member of such a union has a required or defaulted field, which makes it non-empty after defaulting.
/// </remarks>
public static class ValidationRules
{
    /// <summary>All rules, in the order the generator writes them.</summary>
    public static IReadOnlyList<CrossFieldRule> All { get; } =
    [
        new(typeof(FoundationDBSpec), "has(self.external) != has(self.managed)",
            "set exactly one of external (an existing cluster file Secret) or managed (a StatefulSet run by the operator)"),
        new(typeof(ThreeFSCluster),
            "!has(oldSelf.status) || !has(oldSelf.status.completedBootstrapSteps) || !('init-cluster' in oldSelf.status.completedBootstrapSteps) || self.spec.foundationDB.version == oldSelf.spec.foundationDB.version",
            "version is immutable once init-cluster has run: the file system's metadata is in a FoundationDB of this version, and the operator does not upgrade FoundationDB; create a new ThreeFSCluster to move to another version",
            ".spec.foundationDB.version"),
        new(typeof(ThreeFSPorts),
            "[self.mgmtdRdma, self.mgmtdTcp, self.metaRdma, self.metaTcp, self.storageRdma, self.storageTcp].all(p, [self.mgmtdRdma, self.mgmtdTcp, self.metaRdma, self.metaTcp, self.storageRdma, self.storageTcp].exists_one(q, q == p))",
            "all six ports must differ, because mgmtd, meta and storage may share a node's network"),
        new(typeof(StorageSpec), "self.replicationFactor <= self.replicas",
            "replicationFactor must not exceed replicas: each replica of a chain needs its own storage node", ".replicationFactor"),
        new(typeof(StorageSpec), "self.diskPaths.all(p, self.diskPaths.exists_one(q, q == p))",
            "diskPaths must not list a path twice", ".diskPaths"),
        new(typeof(StorageSpec), "(self.replicas * self.targetsPerDisk) % self.replicationFactor == 0",
            "replicas x targetsPerDisk must be a multiple of replicationFactor: every disk index holds whole chains, because a 3FS chain id carries its disk", ".targetsPerDisk"),
        new(typeof(StorageSpec), "self.stripeSize <= self.replicas * size(self.diskPaths) * self.targetsPerDisk / self.replicationFactor",
            "stripeSize must not exceed the number of chains (replicas x number of diskPaths x targetsPerDisk / replicationFactor)", ".stripeSize"),

        new(typeof(EPGroupSpec), "self.ranks % self.ranksPerNode == 0",
            "ranks must be a multiple of ranksPerNode: a group occupies whole nodes", ".ranks"),
        new(typeof(EPGroupSpec), "(has(self.model.physicalExpertSlots) ? self.model.physicalExpertSlots : self.model.experts) % self.ranks == 0",
            "model.physicalExpertSlots (model.experts when unset) must be a multiple of ranks: every GPU holds the same number of expert slots", ".model.physicalExpertSlots"),
        new(typeof(EPGroupSpec), "self.eplb.policy != 'Hierarchical' || self.model.expertGroups % (self.ranks / self.ranksPerNode) == 0",
            "eplb.policy Hierarchical needs model.expertGroups to be a multiple of the node count (ranks / ranksPerNode); use Auto to fall back to Global", ".eplb.policy"),
        new(typeof(EPModelSpec), "self.experts % self.expertGroups == 0",
            "expertGroups must divide experts", ".expertGroups"),
        new(typeof(EPModelSpec), "self.topkGroups <= self.expertGroups",
            "topkGroups must not exceed expertGroups", ".topkGroups"),
        new(typeof(EPModelSpec), "self.topk <= self.topkGroups * (self.experts / self.expertGroups)",
            "topk must not exceed the experts in the chosen groups (topkGroups x experts / expertGroups)", ".topk"),
        new(typeof(EPModelSpec), "self.hiddenSize % 128 == 0",
            "hiddenSize must be a multiple of 128, the FP8 scaling block", ".hiddenSize"),
        new(typeof(EPModelSpec), "!has(self.physicalExpertSlots) || self.physicalExpertSlots >= self.experts",
            "physicalExpertSlots must be at least experts: every expert needs a slot", ".physicalExpertSlots"),
        new(typeof(TransportSpec), "self.communicationSMs % 2 == 0",
            "communicationSMs must be even", ".communicationSMs"),

        new(typeof(TrainingJobSpec), "self.model.moe.experts % self.parallelism.expert == 0",
            "parallelism.expert must divide model.moe.experts: each expert-parallel rank holds the same number of experts", ".parallelism.expert"),
        new(typeof(TrainingJobSpec), "self.training.globalBatchSize % (self.parallelism.data * (has(self.parallelism.microBatches) ? self.parallelism.microBatches : 2 * self.parallelism.pipeline)) == 0",
            "training.globalBatchSize must be a multiple of parallelism.data x parallelism.microBatches (2 x pipeline when unset): each data-parallel rank cuts its share into whole micro-batches", ".training.globalBatchSize"),
        new(typeof(TrainingJobSpec), "(self.parallelism.pipeline * self.parallelism.data) % self.ranksPerNode == 0",
            "ranksPerNode must divide the number of ranks (parallelism.pipeline x parallelism.data): every node holds the same number", ".ranksPerNode"),
        new(typeof(TrainingJobSpec), "self.model.layers >= (self.parallelism.schedule == 'DualPipeV' ? 2 * self.parallelism.pipeline : self.parallelism.pipeline)",
            "model.layers must be at least the number of pipeline stages (parallelism.pipeline, twice that for DualPipeV)", ".model.layers"),
        new(typeof(ParallelismSpec), "self.data % self.expert == 0",
            "expert must divide data: expert parallelism runs inside the data-parallel ranks", ".expert"),
        new(typeof(ParallelismSpec), "self.schedule != 'DualPipe' || self.pipeline % 2 == 0",
            "DualPipe needs an even pipeline size (rank r holds stages r and pipeline-1-r); use DualPipeV or OneFOneB for an odd size", ".pipeline"),
        new(typeof(ParallelismSpec), "self.schedule != 'DualPipe' || !has(self.microBatches) || (self.microBatches >= 2 * self.pipeline && self.microBatches % 2 == 0)",
            "DualPipe needs an even microBatches of at least 2 x pipeline: half of them enter at each end", ".microBatches"),
        new(typeof(ParallelismSpec), "self.schedule != 'DualPipeV' || !has(self.microBatches) || self.microBatches >= 2 * self.pipeline",
            "DualPipeV needs microBatches of at least 2 x pipeline", ".microBatches"),
        new(typeof(TrainingModelSpec), "self.hiddenSize % self.heads == 0",
            "heads must divide hiddenSize", ".heads"),
        new(typeof(TrainingModelSpec), "!has(self.qkRopeHeadDim) || self.qkRopeHeadDim % 2 == 0",
            "qkRopeHeadDim must be even: RoPE rotates pairs of dimensions", ".qkRopeHeadDim"),
        new(typeof(TrainingModelSpec), "self.moe.expertPrecision != 'FP8' || (self.hiddenSize % 128 == 0 && self.moe.intermediateSize % 128 == 0)",
            "moe.expertPrecision FP8 needs hiddenSize and moe.intermediateSize to be multiples of 128, the FP8 scaling block; use FP32 for a smaller model", ".moe.expertPrecision"),
        new(typeof(TrainingModelSpec), "self.denseLayers <= self.layers",
            "denseLayers must not exceed layers", ".denseLayers"),
        new(typeof(MoeSpec), "self.experts % self.groups == 0",
            "groups must divide experts", ".groups"),
        new(typeof(MoeSpec), "self.topkGroups <= self.groups",
            "topkGroups must not exceed groups", ".topkGroups"),
        new(typeof(MoeSpec), "self.topk <= self.topkGroups * (self.experts / self.groups)",
            "topk must not exceed the experts in the chosen groups (topkGroups x experts / groups)", ".topk"),
        new(typeof(DataSpec),
            "(has(self.synthetic) ? 1 : 0) + (has(self.threeFS) ? 1 : 0) + (has(self.persistentVolumeClaim) ? 1 : 0) + (has(self.hostPath) ? 1 : 0) == 1",
            "set exactly one data source: synthetic, threeFS, persistentVolumeClaim or hostPath"),
        new(typeof(CheckpointSpec),
            "(has(self.threeFS) ? 1 : 0) + (has(self.persistentVolumeClaim) ? 1 : 0) + (has(self.hostPath) ? 1 : 0) == 1",
            "set exactly one checkpoint location: threeFS, persistentVolumeClaim or hostPath"),
    ];
}
