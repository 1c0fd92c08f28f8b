using MoeOperator.Api.V1Alpha1;
using Prometheus;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// The 3FS metrics the chart's alert rules and dashboard query: chains and targets by state, daemons desired and
/// ready, bootstrap progress, whether FoundationDB is available, and the progress of upgrades and scale-outs.
/// </summary>
internal sealed class ThreeFSMetrics(CollectorRegistry registry)
{
    private static readonly (string Label, string Condition)[] _operations = [("upgrade", "Upgrading"), ("storage-scaling", "StorageScaling")];

    private readonly Gauge _chains = Metrics.WithCustomRegistry(registry).CreateGauge("moe_threefs_chains", "Chains of a 3FS cluster by health (serving, degraded, unavailable)", "namespace", "cluster", "state");
    private readonly Gauge _targets = Metrics.WithCustomRegistry(registry).CreateGauge("moe_threefs_targets", "Storage targets of a 3FS cluster by public state", "namespace", "cluster", "state");
    private readonly Gauge _steps = Metrics.WithCustomRegistry(registry).CreateGauge("moe_threefs_bootstrap_steps_completed", "Bootstrap steps a 3FS cluster has completed", "namespace", "cluster");
    private readonly Gauge _daemons = Metrics.WithCustomRegistry(registry).CreateGauge("moe_threefs_daemons", "mgmtd, meta and storage daemons of a 3FS cluster: the spec's count (desired) and those ready", "namespace", "cluster", "component", "state");
    private readonly Gauge _foundationDB = Metrics.WithCustomRegistry(registry).CreateGauge("moe_threefs_foundationdb_available", "1 while the cluster's FoundationDB is available to its daemons (the FoundationDB condition), 0 otherwise", "namespace", "cluster");
    private readonly Gauge _operation = Metrics.WithCustomRegistry(registry).CreateGauge("moe_threefs_operation_in_progress", "1 while an upgrade (rolling restart) or a storage scale-out runs, 0 otherwise", "namespace", "cluster", "operation");
    private readonly Gauge _outdated = Metrics.WithCustomRegistry(registry).CreateGauge("moe_threefs_daemons_outdated", "Daemons not yet restarted onto the spec's image, resources and settings (an upgrade's remaining work)", "namespace", "cluster");

    public void Health(string ns, string cluster, ThreeFSHealth health)
    {
        ArgumentNullException.ThrowIfNull(health);
        _chains.WithLabels(ns, cluster, "serving").Set(health.Chains.Serving ?? 0);
        _chains.WithLabels(ns, cluster, "degraded").Set(health.Chains.Degraded ?? 0);
        _chains.WithLabels(ns, cluster, "unavailable").Set(health.Chains.Unavailable ?? 0);
        _targets.WithLabels(ns, cluster, "serving").Set(health.Targets.Serving ?? 0);
        _targets.WithLabels(ns, cluster, "syncing").Set(health.Targets.Syncing ?? 0);
        _targets.WithLabels(ns, cluster, "waiting").Set(health.Targets.Waiting ?? 0);
        _targets.WithLabels(ns, cluster, "lastsrv").Set(health.Targets.Lastsrv ?? 0);
        _targets.WithLabels(ns, cluster, "offline").Set(health.Targets.Offline ?? 0);
    }

    /// <summary>Sets the series that follow the status a pass is about to write.</summary>
    public void Status(string ns, string cluster, ThreeFSClusterStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        _steps.WithLabels(ns, cluster).Set(status.CompletedBootstrapSteps?.Count ?? 0);
        foreach (var (component, count) in (ReadOnlySpan<(string, ReplicaCount?)>)[("mgmtd", status.Nodes?.Mgmtd), ("meta", status.Nodes?.Meta), ("storage", status.Nodes?.Storage)])
        {
            _daemons.WithLabels(ns, cluster, component, "desired").Set(count?.Desired ?? 0);
            _daemons.WithLabels(ns, cluster, component, "ready").Set(count?.Ready ?? 0);
        }

        _foundationDB.WithLabels(ns, cluster).Set(ConditionList.Find(status.Conditions, "FoundationDB")?.Status == ConditionStatus.True ? 1 : 0);
        foreach (var (operation, condition) in _operations)
        {
            _operation.WithLabels(ns, cluster, operation).Set(ConditionList.Find(status.Conditions, condition)?.Status == ConditionStatus.True ? 1 : 0);
        }
    }

    public void Outdated(string ns, string cluster, int daemons) => _outdated.WithLabels(ns, cluster).Set(daemons);

    /// <summary>Removes the cluster's series (it was deleted).</summary>
    public void Forget(string ns, string cluster)
    {
        foreach (var gauge in (Gauge[])[_chains, _targets, _steps, _daemons, _foundationDB, _operation, _outdated])
        {
            ObjectSeries.Remove(gauge, ns, cluster);
        }
    }
}
