namespace MoeOperator.Contract;

/// <summary>
/// The environment the operator gives an EPGroup pod and the worker reads: the one list both sides use, so a
/// variable cannot be set without being read or read without being set (a test holds both sides to it).
/// </summary>
public static class WorkerEnvironment
{
    public const string Group = "MOE_GROUP";
    public const string WorldSize = "MOE_WORLD_SIZE";
    public const string RanksPerNode = "MOE_RANKS_PER_NODE";
    public const string RankBase = "MOE_RANK_BASE";
    public const string MasterAddress = "MOE_MASTER_ADDR";
    public const string MasterPort = "MOE_MASTER_PORT";
    public const string MetricsPort = "MOE_METRICS_PORT";
    public const string Transport = "MOE_TRANSPORT";
    public const string CommunicationSMs = "MOE_COMM_SMS";
    public const string HiddenSize = "MOE_HIDDEN_SIZE";
    public const string Experts = "MOE_EXPERTS";
    public const string ExpertGroups = "MOE_EXPERT_GROUPS";
    public const string TopkGroups = "MOE_TOPK_GROUPS";
    public const string Topk = "MOE_TOPK";
    public const string PhysicalExpertSlots = "MOE_PHYSICAL_EXPERT_SLOTS";
    public const string MaxTokensPerRank = "MOE_MAX_TOKENS_PER_RANK";
    public const string ExpertPrecision = "MOE_EXPERT_PRECISION";
    public const string ExpertMap = "MOE_EXPERT_MAP";
    public const string RestartAttempt = "MOE_RESTART_ATTEMPT";

    // From the downward API.
    public const string PodName = "POD_NAME";
    public const string PodNamespace = "POD_NAMESPACE";
    public const string PodIP = "POD_IP";
    public const string NodeName = "NODE_NAME";

    /// <summary>Variables read by NVSHMEM itself, not by the worker, start with this.</summary>
    public const string NvshmemPrefix = "NVSHMEM_";

    /// <summary>Every variable of the contract, in the order the operator sets them.</summary>
    public static IReadOnlyList<WorkerVariable> All { get; } =
    [
        new(Group, false, "the EPGroup's name, in logs and metrics"),
        new(WorldSize, true, "ranks in the group"),
        new(RanksPerNode, true, "ranks this pod runs"),
        new(RankBase, false, "the first rank this pod runs (node index x ranks per node)"),
        new(MasterAddress, true, "where rank 0's rendezvous listens (pod 0's DNS name)"),
        new(MasterPort, true, "the rendezvous port"),
        new(MetricsPort, false, "the port of /metrics, /healthz and /readyz; 0 picks a free one"),
        new(Transport, false, "the transport backend (Auto, NVSHMEM, NCCL, TCP)"),
        new(CommunicationSMs, false, "GPU streaming multiprocessors a GPU transport reserves for communication"),
        new(HiddenSize, true, "the model's hidden size"),
        new(Experts, true, "logical experts"),
        new(ExpertGroups, false, "expert groups of group-limited routing"),
        new(TopkGroups, false, "groups each token may route to"),
        new(Topk, true, "experts per token"),
        new(PhysicalExpertSlots, false, "expert slots over all ranks (experts plus redundant replicas)"),
        new(MaxTokensPerRank, false, "the most tokens a rank routes per step (sizes the dispatch buffers)"),
        new(ExpertPrecision, false, "the experts' number format (FP32, FP8)"),
        new(ExpertMap, false, "the expert-map document the operator keeps current (a mounted ConfigMap)"),
        new(RestartAttempt, false, "which whole-group restart the pod belongs to; ranks meet only their own attempt"),
        new(PodName, false, "the pod, to which the worker reports expert load"),
        new(PodNamespace, false, "the pod's namespace"),
        new(PodIP, false, "the address the ranks listen on"),
        new(NodeName, false, "the node, in the worker's first log line and its metrics"),
    ];
}
