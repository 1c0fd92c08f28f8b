using System.Text.Json.Nodes;
using MoeOperator.Cli.Top;

namespace MoeOperator.Tests.Cli.Top;

public sealed class TopViewTests
{
    private static JsonObject Resource(string name, string spec, string status) => new()
    {
        ["metadata"] = new JsonObject { ["namespace"] = "ml", ["name"] = name },
        ["spec"] = JsonNode.Parse(spec),
        ["status"] = JsonNode.Parse(status),
    };

    [Fact]
    public void EachKind_GetsARow_WithTheNumbersTheDashboardsShow()
    {
        var group = Resource("ep", """{"ranks":4}""", """{"phase":"Running","readyRanks":3,"restarts":2,"expertMap":{"version":5,"measuredImbalance":1.2344,"imbalanceAfter":1.01}}""");
        var cluster = Resource("fs", "{}", """
            {"phase":"Degraded","completedBootstrapSteps":["a","b","c"],"chains":{"total":16,"serving":14,"degraded":2,"unavailable":0},
             "targets":{"serving":46,"offline":2},"nodes":{"mgmtd":{"desired":1,"ready":1},"meta":{"desired":1,"ready":1},"storage":{"desired":3,"ready":2}},
             "conditions":[{"type":"FoundationDB","status":"False","reason":"NoProcessReady"},{"type":"Upgrading","status":"True","reason":"RollingRestart"}]}
            """);
        var job = Resource("tj", """{"training":{"steps":30}}""", """
            {"phase":"Running","step":12,"loss":2.5,"tokensPerSecond":1234.4,"measuredBubbleRatio":0.2,"expectedBubbleRatio":0.25,"restarts":1,"samplesConsumed":192,
             "lastVerifiedCheckpoint":{"step":10,"sizeBytes":3145728,"durationSeconds":0.42}}
            """);
        var workers = new GroupWorkers(ExpositionSamples.Parse("moe_worker_tokens_per_second{rank=\"0\"} 1000\nmoe_worker_tokens_per_second{rank=\"1\"} 500\n"), 2, 2);

        var view = TopView.Render(new TopSnapshot([group], [cluster], [job], new Dictionary<string, GroupWorkers> { ["ml/ep"] = workers }));
        var lines = view.Split('\n');

        Row(lines, "ep").ShouldBe(["ml", "ep", "Running", "3/4", "1,500", "-", "-", "1.234/1.010", "v5", "2"]);
        Row(lines, "fs").ShouldBe(["ml", "fs", "Degraded", "3/13", "14/16", "(2", "degraded)", "46", "serving,", "2", "offline", "4/5", "unavailable", "(NoProcessReady)", "upgrade", "(RollingRestart)"]);
        Row(lines, "tj").ShouldBe(["ml", "tj", "Running", "12/30", "2.500", "1,234", "0.200/0.250", "step", "10", "(3.0", "MiB,", "0.4", "s)", "1", "192"]);
    }

    [Fact]
    public void AnEmptyNamespace_SaysSoForEachKind()
    {
        var view = TopView.Render(new TopSnapshot([], [], [], new Dictionary<string, GroupWorkers>()));

        view.ShouldContain("EP GROUPS\n  (none)");
        view.ShouldContain("3FS CLUSTERS\n  (none)");
        view.ShouldContain("TRAINING JOBS\n  (none)");
    }

    [Fact]
    public void TheHeatmap_ShadesEachSlotByItsShareOfTheBusiest_AndGivesTheGpuLoadMaxOverMean()
    {
        var samples = ExpositionSamples.Parse("""
            moe_worker_slot_tokens_total{rank="0",slot="0"} 400
            moe_worker_slot_tokens_total{rank="0",slot="1"} 100
            moe_worker_slot_tokens_total{rank="1",slot="2"} 0
            moe_worker_slot_tokens_total{rank="1",slot="3"} 300
            moe_worker_expert_tokens_total{expert="0"} 50
            moe_worker_expert_tokens_total{expert="1"} 200
            """);

        var lines = ExpertHeatmap.Render("ml/ep", samples).Split('\n');

        lines[0].ShouldContain("█ = 400, the busiest slot");
        lines[1].ShouldContain("rank 0   slots   0-1   ██░░  500 tokens");
        lines[2].ShouldContain("rank 1   slots   2-3   ··▓▓  300 tokens");
        lines[3].ShouldContain("GPU load max/mean: 1.250", customMessage: "500 over the mean of 500 and 300");
        lines[4].ShouldContain("logical experts 0-1: ░░██  (busiest: expert 1, 200 tokens routed)");
        ExpertHeatmap.Render("ml/ep", []).ShouldContain("no worker has reported expert load yet");
    }

    private static string[] Row(string[] lines, string name) =>
        lines.Single(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var n, ..] && n == name).Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
