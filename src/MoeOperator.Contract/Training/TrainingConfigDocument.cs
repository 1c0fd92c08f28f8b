using System.Text.Json;
using System.Text.Json.Serialization;

namespace MoeOperator.Contract.Training;

/// <summary>The model of a training job, with DeepSeek-V3's ModelArgs names (snake_case on the wire).</summary>
public sealed record TrainingModelDocument
{
    public int VocabSize { get; init; } = 256;
    public int Dim { get; init; } = 64;
    public int InterDim { get; init; } = 128;
    public int MoeInterDim { get; init; } = 32;
    public int NLayers { get; init; } = 4;
    public int NDenseLayers { get; init; } = 1;
    public int NHeads { get; init; } = 4;
    public int NRoutedExperts { get; init; } = 8;
    public int NSharedExperts { get; init; } = 1;
    public int NActivatedExperts { get; init; } = 2;
    public int NExpertGroups { get; init; } = 1;
    public int NLimitedGroups { get; init; } = 1;
    public double RouteScale { get; init; } = 1.0;
    public int QLoraRank { get; init; }
    public int KvLoraRank { get; init; } = 32;
    public int QkNopeHeadDim { get; init; } = 16;
    public int QkRopeHeadDim { get; init; } = 8;
    public int VHeadDim { get; init; } = 16;
    public double BiasUpdateSpeed { get; init; } = 1e-3;

    /// <summary>The routed experts' GEMMs: FP32, or FP8 as DeepSeek-V3 trains them.</summary>
    public ExpertPrecision ExpertPrecision { get; init; } = ExpertPrecision.FP32;
}

/// <summary>
/// Everything the ranks of one TrainingJob agree on, written by the operator into <c>MOE_TRAINING_CONFIG</c> (JSON)
/// and read by <c>moe-worker train</c>. Rank-specific values (rank, addresses, attempt) are separate variables.
/// </summary>
public sealed record TrainingConfigDocument
{
    private static readonly JsonSerializerOptions _json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The TrainingJob, in logs.</summary>
    public string Job { get; init; } = "";

    public TrainingModelDocument Model { get; init; } = new();

    public int Pipeline { get; init; } = 1;

    public int Data { get; init; } = 1;

    public int Expert { get; init; } = 1;

    /// <summary>DualPipe, DualPipeV or OneFOneB.</summary>
    public string Schedule { get; init; } = "OneFOneB";

    public int Microbatches { get; init; } = 1;

    public long Steps { get; init; } = 1;

    public int GlobalBatch { get; init; } = 8;

    public int SequenceLength { get; init; } = 16;

    public double LearningRate { get; init; } = 3e-4;

    public int WarmupSteps { get; init; }

    public long Seed { get; init; } = 42;

    /// <summary>A directory prepared by <c>moe data prepare</c>; null with <see cref="SyntheticSamples"/> set.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Generated samples instead of a data set.</summary>
    public long? SyntheticSamples { get; init; }

    /// <summary>Where checkpoints go; null writes none (a restart begins at step 1).</summary>
    public string? CheckpointDirectory { get; init; }

    public int CheckpointIntervalSteps { get; init; } = 100;

    public int CheckpointKeep { get; init; } = 3;

    public bool Resume { get; init; } = true;

    /// <summary>When set, every data rank appends the sample ids it trains per step to a file here (for audits and tests).</summary>
    public string? SampleLogDirectory { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, _json);

    /// <exception cref="JsonException">The text is not a config document.</exception>
    public static TrainingConfigDocument Parse(string json) =>
        JsonSerializer.Deserialize<TrainingConfigDocument>(json, _json) ?? throw new JsonException("the training config is empty");
}
