namespace MoeOperator.Contract.Training;

/// <summary>
/// The environment of a TrainingJob pod (one rank each), set by the TrainingJob controller and read by
/// <c>moe-worker train</c>: the one list both sides use.
/// </summary>
public static class TrainingWorkerEnvironment
{
    public const string Config = "MOE_TRAINING_CONFIG";
    public const string Rank = "MOE_RANK";

    /// <summary>Every variable of the contract, in the order the operator sets them.</summary>
    public static IReadOnlyList<WorkerVariable> All { get; } =
    [
        new(Config, true, "the job's TrainingConfigDocument as JSON: model, parallelism, batch, data and checkpoint locations"),
        new(Rank, true, "this pod's rank: data index x pipeline size + pipeline index"),
        new(WorkerEnvironment.MasterAddress, true, "where rank 0's rendezvous listens (pod 0's DNS name)"),
        new(WorkerEnvironment.MasterPort, true, "the rendezvous port"),
        new(WorkerEnvironment.MetricsPort, false, "the port of /metrics, /healthz and /readyz; 0 picks a free one"),
        new(WorkerEnvironment.RestartAttempt, false, "which whole-job restart the pod belongs to; ranks meet only their own attempt"),
        new(WorkerEnvironment.PodName, false, "the pod, on which rank 0 reports progress"),
        new(WorkerEnvironment.PodNamespace, false, "the pod's namespace"),
        new(WorkerEnvironment.PodIP, false, "the address the rank listens on"),
        new(WorkerEnvironment.NodeName, false, "the node, in the first log line"),
    ];
}
