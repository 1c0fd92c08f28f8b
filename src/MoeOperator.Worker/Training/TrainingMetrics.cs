using MoeOperator.Contract.Training;
using Prometheus;

namespace MoeOperator.Worker.Training;

/// <summary>Rank 0's training metrics on /metrics (the operator's moe_trainingjob_* series come from status).</summary>
public sealed class TrainingMetrics : ITrainingReporter
{
    private readonly Gauge _step;
    private readonly Gauge _loss;
    private readonly Gauge _tokensPerSecond;
    private readonly Gauge _samples;
    private readonly Gauge _imbalance;
    private readonly Gauge _bubble;
    private readonly Gauge _checkpointStep;
    private readonly Gauge _checkpointSeconds;
    private readonly Gauge _checkpointBytes;
    private readonly Gauge _layerImbalance;

    public TrainingMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        _step = factory.CreateGauge("moe_training_step", "Last completed optimiser step.");
        _loss = factory.CreateGauge("moe_training_loss", "Mean cross-entropy of the last step's global batch.");
        _tokensPerSecond = factory.CreateGauge("moe_training_tokens_per_second", "Tokens per second over all ranks, last step.");
        _samples = factory.CreateGauge("moe_training_samples_consumed", "Samples trained so far (the data cursor).");
        _imbalance = factory.CreateGauge("moe_training_expert_imbalance", "Max over mean tokens per routed expert in the worst MoE layer (1 is balanced).");
        _layerImbalance = factory.CreateGauge("moe_training_layer_expert_imbalance", "Max over mean tokens per routed expert, per MoE layer.", "layer");
        _bubble = factory.CreateGauge("moe_training_pipeline_bubble_ratio", "Share of the last step rank 0 waited on pipeline neighbours.");
        _checkpointStep = factory.CreateGauge("moe_training_last_checkpoint_step", "Step of the newest verified checkpoint.");
        _checkpointSeconds = factory.CreateGauge("moe_training_checkpoint_duration_seconds", "Time the newest checkpoint took, from the ranks starting their shards to the renamed directory.");
        _checkpointBytes = factory.CreateGauge("moe_training_checkpoint_bytes", "Size of the newest checkpoint's shards.");
    }

    public CollectorRegistry Registry { get; }

    public void Report(TrainingProgressReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        _step.Set(report.Step);
        _samples.Set(report.SamplesConsumed);
        Set(_loss, report.Loss);
        Set(_tokensPerSecond, report.TokensPerSecond);
        Set(_imbalance, report.ExpertImbalance);
        Set(_bubble, report.MeasuredBubble);
        Set(_checkpointStep, report.LastCheckpoint?.Step);
        Set(_checkpointSeconds, report.LastCheckpoint?.Seconds);
        Set(_checkpointBytes, report.LastCheckpoint?.Bytes);
        foreach (var (layer, imbalance) in report.ExpertImbalanceByLayer ?? new Dictionary<int, double>())
        {
            _layerImbalance.WithLabels(layer.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(imbalance);
        }
    }

    private static void Set(Gauge gauge, double? value)
    {
        if (value is { } v)
        {
            gauge.Set(v);
        }
    }
}
