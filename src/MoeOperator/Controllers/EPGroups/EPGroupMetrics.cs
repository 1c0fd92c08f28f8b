using Prometheus;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>The EPGroup metrics the chart's alerts and dashboards read: ranks by state, whole-group restarts, rebalances.</summary>
internal sealed class EPGroupMetrics(CollectorRegistry registry)
{
    private readonly Gauge _ranks = Metrics.WithCustomRegistry(registry).CreateGauge("moe_epgroup_ranks", "Ranks of an expert-parallel group by state (ready, starting, pending)", "namespace", "name", "state");
    private readonly Counter _restarts = Metrics.WithCustomRegistry(registry).CreateCounter("moe_epgroup_restarts_total", "Whole-group restarts after a rank failed", "namespace", "name");

    public void Ranks(string ns, string name, int ready, int starting, int pending)
    {
        _ranks.WithLabels(ns, name, "ready").Set(ready);
        _ranks.WithLabels(ns, name, "starting").Set(starting);
        _ranks.WithLabels(ns, name, "pending").Set(pending);
    }

    public void Restarted(string ns, string name) => _restarts.WithLabels(ns, name).Inc();
}
