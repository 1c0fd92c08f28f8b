using System.Text.Json;
using System.Text.Json.Serialization;

namespace MoeOperator.Contract.Training;

/// <summary>A checkpoint as the worker reports it.</summary>
public sealed record CheckpointReport(long Step, string Path, string Digest)
{
    /// <summary>The shards' total size.</summary>
    public long? Bytes { get; init; }

    /// <summary>From the first rank starting its shard to the renamed directory.</summary>
    public double? Seconds { get; init; }
}

/// <summary>
/// What rank 0 of a TrainingJob reports in its pod's <c>moe.dev/training-progress</c> annotation and the operator
/// copies into the job's status: the last step, loss, throughput, data cursor, expert balance, measured bubble and
/// checkpoint events.
/// </summary>
public sealed record TrainingProgressReport
{
    public const string Annotation = "moe.dev/training-progress";

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public long Step { get; init; }

    public long TotalSteps { get; init; }

    public double? Loss { get; init; }

    public double? TokensPerSecond { get; init; }

    public long SamplesConsumed { get; init; }

    /// <summary>max / mean tokens per routed expert in the worst MoE layer (1 is perfectly balanced).</summary>
    public double? ExpertImbalance { get; init; }

    /// <summary>max / mean tokens per routed expert for each MoE layer of the model, by layer index.</summary>
    public IReadOnlyDictionary<int, double>? ExpertImbalanceByLayer { get; init; }

    /// <summary>The share of the step rank 0 spent waiting on its pipeline neighbours.</summary>
    public double? MeasuredBubble { get; init; }

    /// <summary>The step the run resumed after, when it resumed.</summary>
    public CheckpointReport? ResumedFrom { get; init; }

    public CheckpointReport? LastCheckpoint { get; init; }

    /// <summary>Checkpoints passed over at resume, each with its reason.</summary>
    public IReadOnlyList<string>? SkippedCheckpoints { get; init; }

    /// <summary>Running, Suspended (stopped at a step boundary after a checkpoint) or Completed.</summary>
    public string State { get; init; } = "Running";

    public string ToJson() => JsonSerializer.Serialize(this, _json);

    public static TrainingProgressReport? Parse(string json) => JsonSerializer.Deserialize<TrainingProgressReport>(json, _json);
}
