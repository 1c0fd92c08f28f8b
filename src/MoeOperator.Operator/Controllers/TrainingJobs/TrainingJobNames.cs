using System.Globalization;

namespace MoeOperator.Controllers.TrainingJobs;

/// <summary>The deterministic names, labels and paths of a TrainingJob's children.</summary>
internal static class TrainingJobNames
{
    public const string JobLabel = "moe.dev/trainingjob";
    public const string RankLabel = "moe.dev/rank";

    /// <summary>Which whole-job restart a pod belongs to (0 for the first run), as for EPGroups.</summary>
    public const string AttemptLabel = EPGroups.EPGroupNames.AttemptLabel;

    /// <summary>Rank 0's pod keeps this finalizer until the operator has read its last progress report (the checkpoint a suspend wrote).</summary>
    public const string ProgressFinalizer = "moe.dev/training-progress";

    /// <summary>On a TrainingJob, "true" makes each data rank append the sample ids it trains per step to samples/ in the checkpoint directory.</summary>
    public const string AuditSamplesAnnotation = "moe.dev/audit-samples";

    public const int RendezvousPort = 29500;
    public const int MetricsPort = 9400;

    /// <summary>Where the pods see the data set and the checkpoint directory.</summary>
    public const string DataMount = "/var/lib/moe/data";
    public const string CheckpointMount = "/var/lib/moe/checkpoints";

    public static string Pod(string job, int rank) => $"{job}-{rank.ToString(CultureInfo.InvariantCulture)}";

    public static string Service(string job) => job;

    public static string PodDns(string job, int rank, string ns) => $"{Pod(job, rank)}.{Service(job)}.{ns}.svc";
}
