using Prometheus;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>The 3FS metrics the chart's alert rules and dashboard query: chains and targets by state, bootstrap progress.</summary>
internal sealed class ThreeFSMetrics(CollectorRegistry registry)
{
    private readonly Gauge _chains = Metrics.WithCustomRegistry(registry).CreateGauge("moe_threefs_chains", "Chains of a 3FS cluster by health (serving, degraded, unavailable)", "namespace", "cluster", "state");
    private readonly Gauge _targets = Metrics.WithCustomRegistry(registry).CreateGauge("moe_threefs_targets", "Storage targets of a 3FS cluster by public state", "namespace", "cluster", "state");
    private readonly Gauge _steps = Metrics.WithCustomRegistry(registry).CreateGauge("moe_threefs_bootstrap_steps_completed", "Bootstrap steps a 3FS cluster has completed", "namespace", "cluster");

    public void Health(string ns, string cluster, ThreeFSHealth health)
    {
        _chains.WithLabels(ns, cluster, "serving").Set(health.Chains.Serving ?? 0);
        _chains.WithLabels(ns, cluster, "degraded").Set(health.Chains.Degraded ?? 0);
        _chains.WithLabels(ns, cluster, "unavailable").Set(health.Chains.Unavailable ?? 0);
        _targets.WithLabels(ns, cluster, "serving").Set(health.Targets.Serving ?? 0);
        _targets.WithLabels(ns, cluster, "syncing").Set(health.Targets.Syncing ?? 0);
        _targets.WithLabels(ns, cluster, "waiting").Set(health.Targets.Waiting ?? 0);
        _targets.WithLabels(ns, cluster, "lastsrv").Set(health.Targets.Lastsrv ?? 0);
        _targets.WithLabels(ns, cluster, "offline").Set(health.Targets.Offline ?? 0);
    }

    public void Steps(string ns, string cluster, int completed) => _steps.WithLabels(ns, cluster).Set(completed);

    /// <summary>Removes the cluster's series (it was deleted).</summary>
    public void Forget(string ns, string cluster)
    {
        ObjectSeries.Remove(_chains, ns, cluster);
        ObjectSeries.Remove(_targets, ns, cluster);
        ObjectSeries.Remove(_steps, ns, cluster);
    }
}
