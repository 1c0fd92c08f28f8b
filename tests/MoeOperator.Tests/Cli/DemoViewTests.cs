using System.Text.Json.Nodes;
using MoeOperator.Cli.Demo;

namespace MoeOperator.Tests.Cli;

public sealed class DemoViewTests
{
    private static JsonObject Group(string expertMap) => new()
    {
        ["spec"] = new JsonObject { ["ranks"] = 4 },
        ["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["readyRanks"] = 4,
            ["placement"] = new JsonArray(new JsonObject { ["node"] = "dev-node-0" }, new JsonObject { ["node"] = "dev-node-1" }),
            ["expertMap"] = JsonNode.Parse(expertMap),
        },
    };

    [Fact]
    public void BeforeTheRanksMeasureTheNewMap_TheDemoKeepsWatching()
    {
        var view = DemoView.From(Group("""{"version": 2, "imbalanceBefore": 1.4, "imbalanceAfter": 1.02, "measuredImbalance": 1.39, "measuredVersion": 1}"""), 1234.4);

        view.Rebalanced.ShouldBeFalse("the measurement is of the old map");
        view.Line().ShouldBe("Running · ranks 4/4 ready · 1,234 tokens/s · expert map v2 · rebalanced 1.400 -> 1.020 expected, measuring");
    }

    [Fact]
    public void OnceTheNewMapIsMeasured_TheSummaryReportsBeforeAndAfter()
    {
        var view = DemoView.From(Group("""{"version": 2, "imbalanceBefore": 1.4, "imbalanceAfter": 1.02, "measuredImbalance": 1.013, "measuredVersion": 2}"""), 5000);

        view.Rebalanced.ShouldBeTrue();
        var summary = view.Summary(TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(16));
        summary.ShouldContain("4 ranks on dev-node-0, dev-node-1, ready after 6 s");
        summary.ShouldContain("GPU load max/mean 1.400 under the first map -> 1.013 measured under map v2 (1.020 expected)");
    }

    [Fact]
    public void MetricsText_SumsOneMetricOverItsLabels_AndNothingElse()
    {
        const string text = """
            # HELP moe_worker_tokens_per_second Tokens per second.
            moe_worker_tokens_per_second{rank="0"} 100.5
            moe_worker_tokens_per_second{rank="1"} 99.5
            moe_worker_tokens_per_second_max 1000
            moe_worker_tokens_total{rank="0"} 7
            """;
        WorkerMetricsText.Sum(text, "moe_worker_tokens_per_second").ShouldBe(200);
    }

    [Fact]
    public void The3FSLine_ShowsBootstrapProgressAndThenChainHealth()
    {
        var bootstrapping = ThreeFSDemoView.From(
            JsonNode.Parse("""{"metadata": {"name": "tfs"}, "status": {"phase": "Bootstrapping", "completedBootstrapSteps": ["init-cluster", "mgmtd"], "conditions": [{"type": "Bootstrapped", "status": "False", "message": "running set-config-meta"}]}}""")!.AsObject(),
            stepCount: 12);
        bootstrapping.Ready.ShouldBeFalse();
        bootstrapping.Line().ShouldBe("3fs tfs: Bootstrapping · 2/12 bootstrap steps, last mgmtd · running set-config-meta");

        var degraded = ThreeFSDemoView.From(
            JsonNode.Parse("""{"metadata": {"name": "tfs"}, "status": {"phase": "Degraded", "completedBootstrapSteps": ["init-cluster"], "chains": {"total": 16, "serving": 12, "degraded": 4}}}""")!.AsObject(),
            stepCount: 1);
        degraded.Ready.ShouldBeFalse();
        degraded.Line().ShouldBe("3fs tfs: Degraded · 1/1 bootstrap steps, last init-cluster · chains 12/16 serving, 4 degraded");

        var ready = ThreeFSDemoView.From(
            JsonNode.Parse("""{"metadata": {"name": "tfs"}, "status": {"phase": "Ready", "completedBootstrapSteps": ["init-cluster", "mgmtd"], "chains": {"total": 16, "serving": 16, "degraded": 0}, "targets": {"serving": 48}}}""")!.AsObject(),
            stepCount: 2);
        ready.Ready.ShouldBeTrue();
        ready.Summary(TimeSpan.FromSeconds(61)).ShouldBe("  3FS:        tfs bootstrapped in 2 steps (init-cluster -> mgmtd), 16 chains and 48 targets serving, ready after 61 s");
    }
}
