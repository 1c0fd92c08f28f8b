using System.Text.Json;
using System.Text.Json.Serialization;

namespace MoeOperator.Worker.Training.Checkpoints;

/// <summary>One rank's file in a checkpoint.</summary>
public sealed record CheckpointShard(string File, long Bytes, string Sha256);

/// <summary>The parallelism a checkpoint was written with (a resume may use another: tensors are found by name).</summary>
public sealed record CheckpointParallelism(int Pipeline, int Data, int Expert, string Schedule, int Microbatches);

/// <summary>
/// <c>manifest.json</c>, written by rank 0 after every rank's shard is on disk and before the directory is renamed to
/// <c>step-N</c>: the step, the samples consumed (the data cursor), the seed, the parallelism, and every shard's size
/// and SHA-256. A checkpoint is loaded only when its manifest lists exactly the shards present and each one's hash matches.
/// </summary>
public sealed record CheckpointManifest
{
    public const string FileName = "manifest.json";
    public const string CurrentFormat = "moe-checkpoint/1";

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string Format { get; init; } = CurrentFormat;

    public required long Step { get; init; }

    public required long SamplesConsumed { get; init; }

    /// <summary>
    /// The run's seed: with the step it is the whole random state (initial weights and the sample order derive from
    /// it; nothing in a step draws random numbers). A resume under another seed would reorder the samples.
    /// </summary>
    public long? Seed { get; init; }

    public required CheckpointParallelism Parallelism { get; init; }

    public required IReadOnlyList<CheckpointShard> Shards { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, _json);

    public static CheckpointManifest? Parse(string json) => JsonSerializer.Deserialize<CheckpointManifest>(json, _json);
}
