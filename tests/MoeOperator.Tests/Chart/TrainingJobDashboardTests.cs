using System.Text.RegularExpressions;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.TrainingJobs;
using Prometheus;

namespace MoeOperator.Tests.Chart;

public sealed partial class TrainingJobDashboardTests
{
    [Fact]
    public async Task EveryTrainingJobMetricTheDashboardAndAlertsQuery_IsOneTheOperatorExports()
    {
        var registry = Metrics.NewCustomRegistry();
        var metrics = new TrainingJobMetrics(registry);
        metrics.Observe("ns", "job", new TrainingJobStatus
        {
            Phase = TrainingJobPhase.Running,
            Step = 3,
            Loss = 2.5,
            TokensPerSecond = 100,
            ExpertImbalance = 1.5,
            ExpertImbalanceByLayer = [new LayerImbalance { Layer = 1, Imbalance = 1.5 }],
            MeasuredBubbleRatio = 0.2,
            ExpectedBubbleRatio = 0.1,
            LastVerifiedCheckpoint = new CheckpointRecord { Step = 3, SizeBytes = 1024, DurationSeconds = 0.5 },
        }, checkpointIntervalSteps: 10);
        metrics.Restarted("ns", "job");
        using var exported = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(exported);
        var names = System.Text.Encoding.UTF8.GetString(exported.ToArray()).Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split('{', ' ')[0])
            .ToHashSet(StringComparer.Ordinal);

        var panels = ChartDashboards.AllQueries()
            .SelectMany(query => TrainingJobMetricName().Matches(query).Select(m => m.Value))
            .ToHashSet(StringComparer.Ordinal);
        var alerts = TrainingJobMetricName().Matches(File.ReadAllText(Path.Combine(RenderedChart.ChartDirectory, "rules", "moe-operator.rules.yaml"))).Select(m => m.Value);

        panels.ShouldBe(names, ignoreOrder: true, "the dashboards have a panel for every TrainingJob metric, and query no other");
        alerts.ShouldAllBe(name => names.Contains(name));
    }

    [GeneratedRegex(@"moe_trainingjob_[a-z_]+")]
    private static partial Regex TrainingJobMetricName();
}
