using System.Globalization;
using MoeOperator.Worker.Moe;
using Prometheus;

namespace MoeOperator.Worker.Ep;

/// <summary>The worker's Prometheus metrics, labelled by rank (and expert or slot where they are per expert).</summary>
public sealed class WorkerMetrics
{
    private readonly Counter _steps;
    private readonly Counter _tokens;
    private readonly Gauge _tokensPerSecond;
    private readonly Histogram _dispatch;
    private readonly Histogram _combine;
    private readonly Counter _dispatchBytes;
    private readonly Counter _combineBytes;
    private readonly Gauge _dispatchBandwidth;
    private readonly Gauge _combineBandwidth;
    private readonly Counter _expertTokens;
    private readonly Counter _slotTokens;
    private readonly Gauge _mapVersion;
    private readonly Counter _movedBytes;
    private readonly Counter _loadReportFailures;

    public WorkerMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        var latency = new HistogramConfiguration { LabelNames = ["rank"], Buckets = Histogram.ExponentialBuckets(0.00005, 2, 18) };
        _steps = factory.CreateCounter("moe_worker_steps_total", "MoE layer steps completed.", "rank");
        _tokens = factory.CreateCounter("moe_worker_tokens_total", "Tokens this rank routed through the layer.", "rank");
        _tokensPerSecond = factory.CreateGauge("moe_worker_tokens_per_second", "Tokens per second of this rank over its last step.", "rank");
        _dispatch = factory.CreateHistogram("moe_worker_dispatch_seconds", "Dispatch latency: layout, encoding and the all-to-all of tokens.", latency);
        _combine = factory.CreateHistogram("moe_worker_combine_seconds", "Combine latency: the all-to-all back and the per-token sum.", latency);
        _dispatchBytes = factory.CreateCounter("moe_worker_dispatch_bytes_total", "Bytes this rank sent to other ranks in dispatch.", "rank");
        _combineBytes = factory.CreateCounter("moe_worker_combine_bytes_total", "Bytes this rank sent to other ranks in combine.", "rank");
        _dispatchBandwidth = factory.CreateGauge("moe_worker_dispatch_bandwidth_bytes_per_second", "Dispatch bytes sent over dispatch time, last step.", "rank");
        _combineBandwidth = factory.CreateGauge("moe_worker_combine_bandwidth_bytes_per_second", "Combine bytes sent over combine time, last step.", "rank");
        _expertTokens = factory.CreateCounter("moe_worker_expert_tokens_total", "Tokens routed to each logical expert (one per top-k choice).", "expert");
        _slotTokens = factory.CreateCounter("moe_worker_slot_tokens_total", "Token-expert pairs computed by each physical slot of this rank: the GPU's real load.", "rank", "slot");
        _mapVersion = factory.CreateGauge("moe_worker_expert_map_version", "The expert map version the ranks run.");
        _movedBytes = factory.CreateCounter("moe_worker_expert_weight_bytes_moved_total", "Expert weights received when the expert map changed.", "rank");
        _loadReportFailures = factory.CreateCounter("moe_worker_load_report_failures_total", "Expert-load reports this pod could not write to its own pod object (the operator balances on them).");
    }

    /// <summary>A load report on the pod failed (the API server refused it or could not be reached).</summary>
    public void LoadReportFailed() => _loadReportFailures.Inc();

    public CollectorRegistry Registry { get; }

    public void Step(int rank, int tokens, TimeSpan elapsed, MoeStepResult result, int firstSlot)
    {
        ArgumentNullException.ThrowIfNull(result);
        var label = rank.ToString(CultureInfo.InvariantCulture);
        _steps.WithLabels(label).Inc();
        _tokens.WithLabels(label).Inc(tokens);
        _tokensPerSecond.WithLabels(label).Set(elapsed > TimeSpan.Zero ? tokens / elapsed.TotalSeconds : 0);
        _dispatch.WithLabels(label).Observe(result.Dispatch.TotalSeconds);
        _combine.WithLabels(label).Observe(result.Combine.TotalSeconds);
        _dispatchBytes.WithLabels(label).Inc(result.DispatchBytes);
        _combineBytes.WithLabels(label).Inc(result.CombineBytes);
        _dispatchBandwidth.WithLabels(label).Set(result.Dispatch > TimeSpan.Zero ? result.DispatchBytes / result.Dispatch.TotalSeconds : 0);
        _combineBandwidth.WithLabels(label).Set(result.Combine > TimeSpan.Zero ? result.CombineBytes / result.Combine.TotalSeconds : 0);
        for (var e = 0; e < result.RoutedPerExpert.Length; e++)
        {
            if (result.RoutedPerExpert[e] > 0)
            {
                _expertTokens.WithLabels(e.ToString(CultureInfo.InvariantCulture)).Inc(result.RoutedPerExpert[e]);
            }
        }

        for (var s = 0; s < result.ProcessedPerSlot.Length; s++)
        {
            _slotTokens.WithLabels(label, (firstSlot + s).ToString(CultureInfo.InvariantCulture)).Inc(result.ProcessedPerSlot[s]);
        }
    }

    public void MapChanged(int rank, long version, long movedBytes)
    {
        _mapVersion.Set(version);
        _movedBytes.WithLabels(rank.ToString(CultureInfo.InvariantCulture)).Inc(movedBytes);
    }
}
