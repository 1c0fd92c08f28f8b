using System.Text.RegularExpressions;
using MoeOperator.Worker.Ep;
using MoeOperator.Worker.Moe;

namespace MoeOperator.Tests.Chart;

public sealed partial class WorkerDashboardTests
{
    [Fact]
    public async Task EveryWorkerMetricTheDashboardQueries_IsOneTheWorkerExports()
    {
        var metrics = new WorkerMetrics();
        metrics.Step(0, 8, TimeSpan.FromMilliseconds(2), new MoeStepResult(new float[8], [1, 2], [3], TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1), 10, 10), firstSlot: 0);
        using var exported = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(exported);
        var names = System.Text.Encoding.UTF8.GetString(exported.ToArray()).Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split('{', ' ')[0])
            .ToHashSet(StringComparer.Ordinal);

        var queried = ChartDashboards.AllQueries()
            .SelectMany(query => WorkerMetricName().Matches(query).Select(m => m.Value))
            .ToList();

        queried.ShouldNotBeEmpty("the EP groups dashboard shows the workers' dispatch and combine latency");
        queried.ShouldAllBe(name => names.Contains(name));
    }

    [GeneratedRegex(@"moe_worker_[a-z_]+")]
    private static partial Regex WorkerMetricName();
}
