using Prometheus;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>The EPGroup metrics the chart's alerts and dashboards read: ranks by state, whole-group restarts, rebalances.</summary>
internal sealed class EPGroupMetrics(CollectorRegistry registry)
{
    private readonly Gauge _ranks = Metrics.WithCustomRegistry(registry).CreateGauge("moe_epgroup_ranks", "Ranks of an expert-parallel group by state (ready, starting, pending)", "namespace", "epgroup", "state");
    private readonly Counter _restarts = Metrics.WithCustomRegistry(registry).CreateCounter("moe_epgroup_restarts_total", "Whole-group restarts after a rank failed", "namespace", "epgroup");
    private readonly Counter _rebalances = Metrics.WithCustomRegistry(registry).CreateCounter("moe_epgroup_rebalances_total", "Expert maps published by the EPLB loop", "namespace", "epgroup");
    private readonly Gauge _imbalance = Metrics.WithCustomRegistry(registry).CreateGauge("moe_epgroup_imbalance", "Max/mean GPU expert load: measured under the current map (measured) and expected from the published one (expected)", "namespace", "epgroup", "kind");

    public void Ranks(string ns, string name, int ready, int starting, int pending)
    {
        _ranks.WithLabels(ns, name, "ready").Set(ready);
        _ranks.WithLabels(ns, name, "starting").Set(starting);
        _ranks.WithLabels(ns, name, "pending").Set(pending);
        // The counters exist at 0 from the group's first pass: increase() over a series that appears at 1 misses the
        // first restart or rebalance, and a panel of a group that never restarted would have no data.
        _restarts.WithLabels(ns, name);
        _rebalances.WithLabels(ns, name);
    }

    public void Restarted(string ns, string name) => _restarts.WithLabels(ns, name).Inc();

    public void Measured(string ns, string name, double imbalance) => _imbalance.WithLabels(ns, name, "measured").Set(imbalance);

    public void Rebalanced(string ns, string name, double expected)
    {
        _rebalances.WithLabels(ns, name).Inc();
        _imbalance.WithLabels(ns, name, "expected").Set(expected);
    }

    /// <summary>Removes the group's series (it was deleted).</summary>
    public void Forget(string ns, string name)
    {
        ObjectSeries.Remove(_ranks, ns, name);
        ObjectSeries.Remove(_restarts, ns, name);
        ObjectSeries.Remove(_rebalances, ns, name);
        ObjectSeries.Remove(_imbalance, ns, name);
    }
}
