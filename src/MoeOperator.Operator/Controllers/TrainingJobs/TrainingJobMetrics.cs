using System.Collections.Concurrent;
using MoeOperator.Api.V1Alpha1;
using Prometheus;

namespace MoeOperator.Controllers.TrainingJobs;

/// <summary>The TrainingJob metrics the chart's alerts and dashboards read, from each job's status.</summary>
internal sealed class TrainingJobMetrics(CollectorRegistry registry)
{
    private readonly Counter _steps = Metrics.WithCustomRegistry(registry).CreateCounter("moe_trainingjob_steps_total", "Optimiser steps the job's ranks reported completing", "namespace", "trainingjob");
    private readonly Gauge _phase = Metrics.WithCustomRegistry(registry).CreateGauge("moe_trainingjob_phase", "1 for the job's current phase, 0 for the others", "namespace", "trainingjob", "phase");
    private readonly Gauge _loss = Metrics.WithCustomRegistry(registry).CreateGauge("moe_trainingjob_loss", "Training loss at the last reported step", "namespace", "trainingjob");
    private readonly Gauge _tokens = Metrics.WithCustomRegistry(registry).CreateGauge("moe_trainingjob_tokens_per_second", "Training throughput over all ranks at the last reported step", "namespace", "trainingjob");
    private readonly Counter _restarts = Metrics.WithCustomRegistry(registry).CreateCounter("moe_trainingjob_restarts_total", "Whole-job restarts after a rank failed", "namespace", "trainingjob");
    private readonly Gauge _checkpoint = Metrics.WithCustomRegistry(registry).CreateGauge("moe_trainingjob_last_checkpoint_step", "Step of the newest verified checkpoint", "namespace", "trainingjob");
    private readonly Gauge _imbalance = Metrics.WithCustomRegistry(registry).CreateGauge("moe_trainingjob_expert_imbalance", "Max over mean tokens per routed expert at the last step, in the worst MoE layer", "namespace", "trainingjob");
    private readonly Gauge _layerImbalance = Metrics.WithCustomRegistry(registry).CreateGauge("moe_trainingjob_layer_expert_imbalance", "Max over mean tokens per routed expert at the last step, per MoE layer", "namespace", "trainingjob", "layer");
    private readonly Gauge _checkpointSeconds = Metrics.WithCustomRegistry(registry).CreateGauge("moe_trainingjob_checkpoint_duration_seconds", "Time the newest verified checkpoint took, from the ranks starting their shards to the renamed directory", "namespace", "trainingjob");
    private readonly Gauge _checkpointBytes = Metrics.WithCustomRegistry(registry).CreateGauge("moe_trainingjob_checkpoint_bytes", "Size of the newest verified checkpoint's shards", "namespace", "trainingjob");
    private readonly Gauge _bubble = Metrics.WithCustomRegistry(registry).CreateGauge("moe_trainingjob_pipeline_bubble_ratio", "Pipeline bubble: measured on rank 0 (measured), from the schedule (expected)", "namespace", "trainingjob", "kind");
    private readonly Gauge _step = Metrics.WithCustomRegistry(registry).CreateGauge("moe_trainingjob_step", "Step rank 0 last reported (after a restart, the step resumed from)", "namespace", "trainingjob");
    private readonly Gauge _interval = Metrics.WithCustomRegistry(registry).CreateGauge("moe_trainingjob_checkpoint_interval_steps", "Steps between checkpoints (spec.checkpoint.intervalSteps): how far the newest checkpoint may trail the step", "namespace", "trainingjob");
    private readonly Gauge _samples = Metrics.WithCustomRegistry(registry).CreateGauge("moe_trainingjob_samples_consumed", "Training samples (sequences) the job has consumed up to its last reported step; after a restart, up to the step resumed from", "namespace", "trainingjob");
    private readonly ConcurrentDictionary<(string, string), long> _lastStep = new();

    /// <summary>
    /// Sets the job's series from its status; <paramref name="checkpointIntervalSteps"/> is the spec's, against which
    /// the checkpoint-age alert measures (null for a job that keeps no checkpoints).
    /// </summary>
    public void Observe(string ns, string name, TrainingJobStatus status, int? checkpointIntervalSteps)
    {
        ArgumentNullException.ThrowIfNull(status);
        Set(_interval.WithLabels(ns, name), checkpointIntervalSteps);
        Set(_step.WithLabels(ns, name), status.Step);
        foreach (var phase in Enum.GetValues<TrainingJobPhase>())
        {
            _phase.WithLabels(ns, name, phase.ToString()).Set(status.Phase == phase ? 1 : 0);
        }

        // The series exists from the first observation (at 0), so "no step in 15 minutes" can fire for a job that never
        // steps after the operator started.
        var steps = _steps.WithLabels(ns, name);
        // Likewise restarts, so increase() sees the first one and the restarts panel has data before any.
        _restarts.WithLabels(ns, name);
        if (status.Step is { } step)
        {
            var previous = _lastStep.GetOrAdd((ns, name), step);
            // A restart goes back to the checkpoint's step; only steps beyond the furthest seen count again.
            if (step > previous)
            {
                steps.Inc(step - previous);
                _lastStep[(ns, name)] = step;
            }
        }

        Set(_loss.WithLabels(ns, name), status.Loss);
        Set(_tokens.WithLabels(ns, name), status.TokensPerSecond);
        Set(_samples.WithLabels(ns, name), status.SamplesConsumed);
        Set(_checkpoint.WithLabels(ns, name), status.LastVerifiedCheckpoint?.Step);
        Set(_imbalance.WithLabels(ns, name), status.ExpertImbalance);
        foreach (var layer in status.ExpertImbalanceByLayer ?? [])
        {
            _layerImbalance.WithLabels(ns, name, layer.Layer.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(layer.Imbalance);
        }

        Set(_checkpointSeconds.WithLabels(ns, name), status.LastVerifiedCheckpoint?.DurationSeconds);
        Set(_checkpointBytes.WithLabels(ns, name), status.LastVerifiedCheckpoint?.SizeBytes);
        Set(_bubble.WithLabels(ns, name, "measured"), status.MeasuredBubbleRatio);
        Set(_bubble.WithLabels(ns, name, "expected"), status.ExpectedBubbleRatio);
    }

    public void Restarted(string ns, string name) => _restarts.WithLabels(ns, name).Inc();

    /// <summary>Removes the job's series (it was deleted).</summary>
    public void Forget(string ns, string name)
    {
        _lastStep.TryRemove((ns, name), out _);
        foreach (var gauge in (Gauge[])[_phase, _loss, _tokens, _checkpoint, _imbalance, _layerImbalance, _checkpointSeconds, _checkpointBytes, _bubble, _step, _interval, _samples])
        {
            ObjectSeries.Remove(gauge, ns, name);
        }

        ObjectSeries.Remove(_steps, ns, name);
        ObjectSeries.Remove(_restarts, ns, name);
    }

    private static void Set(Gauge.Child gauge, double? value)
    {
        if (value is { } v)
        {
            gauge.Set(v);
        }
    }
}
