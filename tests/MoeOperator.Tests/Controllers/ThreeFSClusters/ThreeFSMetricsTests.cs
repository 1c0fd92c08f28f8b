using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.ThreeFSClusters;
using Prometheus;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

/// <summary>The 3FS series the dashboard and the FoundationDB alert read follow the status a pass writes.</summary>
public sealed class ThreeFSMetricsTests
{
    [Fact]
    public async Task StatusSeries_FollowTheConditionsAndCounts()
    {
        var registry = Metrics.NewCustomRegistry();
        var metrics = new ThreeFSMetrics(registry);
        var status = new ThreeFSClusterStatus
        {
            CompletedBootstrapSteps = ["check-fdb-version", "init-cluster"],
            Nodes = new ThreeFSNodeCounts { Storage = new ReplicaCount { Desired = 3, Ready = 2 }, Meta = new ReplicaCount { Desired = 1, Ready = 1 } },
            Conditions =
            [
                new Condition { Type = "FoundationDB", Status = ConditionStatus.False, Reason = "NoProcessReady" },
                new Condition { Type = "Upgrading", Status = ConditionStatus.True, Reason = "RollingRestart" },
                new Condition { Type = "StorageScaling", Status = ConditionStatus.False, Reason = "Balanced" },
            ],
        };

        metrics.Status("ns", "fs", status);
        metrics.Outdated("ns", "fs", 2);
        var down = await SeriesAsync(registry);
        status.Conditions[0] = status.Conditions[0] with { Status = ConditionStatus.True, Reason = "Managed" };
        metrics.Status("ns", "fs", status);
        var up = await SeriesAsync(registry);

        down["moe_threefs_foundationdb_available{namespace=\"ns\",cluster=\"fs\"}"].ShouldBe(0);
        up["moe_threefs_foundationdb_available{namespace=\"ns\",cluster=\"fs\"}"].ShouldBe(1);
        down["moe_threefs_bootstrap_steps_completed{namespace=\"ns\",cluster=\"fs\"}"].ShouldBe(2);
        down["moe_threefs_daemons{namespace=\"ns\",cluster=\"fs\",component=\"storage\",state=\"desired\"}"].ShouldBe(3);
        down["moe_threefs_daemons{namespace=\"ns\",cluster=\"fs\",component=\"storage\",state=\"ready\"}"].ShouldBe(2);
        down["moe_threefs_daemons{namespace=\"ns\",cluster=\"fs\",component=\"mgmtd\",state=\"desired\"}"].ShouldBe(0, "a count status lacks reads as 0");
        down["moe_threefs_operation_in_progress{namespace=\"ns\",cluster=\"fs\",operation=\"upgrade\"}"].ShouldBe(1);
        down["moe_threefs_operation_in_progress{namespace=\"ns\",cluster=\"fs\",operation=\"storage-scaling\"}"].ShouldBe(0);
        down["moe_threefs_daemons_outdated{namespace=\"ns\",cluster=\"fs\"}"].ShouldBe(2);
    }

    private static async Task<Dictionary<string, double>> SeriesAsync(CollectorRegistry registry)
    {
        using var exported = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(exported);
        return System.Text.Encoding.UTF8.GetString(exported.ToArray()).Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .ToDictionary(l => l[..l.LastIndexOf(' ')], l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);
    }
}
