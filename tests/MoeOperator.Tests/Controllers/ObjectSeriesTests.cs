using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.Controllers.TrainingJobs;
using Prometheus;

namespace MoeOperator.Tests.Controllers;

/// <summary>
/// A deleted resource's series leave the operator's /metrics (its last "pending" ranks or "Running" phase would
/// otherwise keep an alert firing), and only that resource's: a namesake in another namespace keeps its own.
/// </summary>
public sealed class ObjectSeriesTests
{
    [Fact]
    public async Task ForgettingAResource_RemovesEveryOneOfItsSeries_AndNoOtherResources()
    {
        var registry = Metrics.NewCustomRegistry();
        var groups = new EPGroupMetrics(registry);
        var clusters = new ThreeFSMetrics(registry);
        var jobs = new TrainingJobMetrics(registry);
        foreach (var ns in (string[])["gone", "kept"])
        {
            groups.Ranks(ns, "x", 1, 2, 3);
            groups.Restarted(ns, "x");
            groups.Measured(ns, "x", 1.5);
            groups.Rebalanced(ns, "x", 1.1);
            clusters.Status(ns, "x", new ThreeFSClusterStatus { CompletedBootstrapSteps = ["init-cluster"], Nodes = new ThreeFSNodeCounts { Storage = new ReplicaCount { Desired = 3, Ready = 2 } } });
            clusters.Outdated(ns, "x", 1);
            jobs.Observe(ns, "x", new TrainingJobStatus { Phase = TrainingJobPhase.Running, Step = 5, Loss = 2, SamplesConsumed = 80, ExpertImbalanceByLayer = [new LayerImbalance { Layer = 1, Imbalance = 1.2 }] }, 10);
            jobs.Restarted(ns, "x");
        }

        var before = await SeriesAsync(registry);
        groups.Forget("gone", "x");
        clusters.Forget("gone", "x");
        jobs.Forget("gone", "x");
        var after = await SeriesAsync(registry);

        before.ShouldContain(s => s.Contains("namespace=\"gone\"", StringComparison.Ordinal));
        after.ShouldNotContain(s => s.Contains("namespace=\"gone\"", StringComparison.Ordinal));
        after.ShouldBe(before.Where(s => !s.Contains("namespace=\"gone\"", StringComparison.Ordinal)), ignoreOrder: true, "the namesake in namespace kept keeps every series");
    }

    private static async Task<List<string>> SeriesAsync(CollectorRegistry registry)
    {
        using var exported = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(exported);
        return [.. System.Text.Encoding.UTF8.GetString(exported.ToArray()).Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(' ')[0])];
    }
}
