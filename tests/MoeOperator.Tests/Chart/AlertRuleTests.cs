using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MoeOperator.Api.Schema;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Chart;

/// <summary>
/// The alerts fire on their fault and stay quiet otherwise, by promtool's rule unit tests: input series over time,
/// then the alerts expected at given times, with their labels and rendered annotations. (The alerts on a rate or an
/// increase are not tested this way: extrapolation at the window's edges makes the values they render brittle.)
/// </summary>
public sealed partial class AlertRuleTests
{
    private static readonly string _rulesFile = Path.Combine(RenderedChart.ChartDirectory, "rules", "moe-operator.rules.yaml");

    [Fact]
    public void AStaleCheckpoint_FiresForARunningJob_WithOrWithoutACheckpoint_AndNotForASuspendedOne()
    {
        var result = Test(
            [
                ("moe_trainingjob_step{namespace=\"ns\",trainingjob=\"behind\"}", "100+10x30"),
                ("moe_trainingjob_last_checkpoint_step{namespace=\"ns\",trainingjob=\"behind\"}", "100x30"),
                ("moe_trainingjob_checkpoint_interval_steps{namespace=\"ns\",trainingjob=\"behind\"}", "10x30"),
                ("moe_trainingjob_phase{namespace=\"ns\",trainingjob=\"behind\",phase=\"Running\"}", "1x30"),
                ("moe_trainingjob_step{namespace=\"ns\",trainingjob=\"never\"}", "0+10x30"),
                ("moe_trainingjob_checkpoint_interval_steps{namespace=\"ns\",trainingjob=\"never\"}", "10x30"),
                ("moe_trainingjob_phase{namespace=\"ns\",trainingjob=\"never\",phase=\"Running\"}", "1x30"),
                ("moe_trainingjob_step{namespace=\"ns\",trainingjob=\"current\"}", "100+10x30"),
                ("moe_trainingjob_last_checkpoint_step{namespace=\"ns\",trainingjob=\"current\"}", "100+10x30"),
                ("moe_trainingjob_checkpoint_interval_steps{namespace=\"ns\",trainingjob=\"current\"}", "10x30"),
                ("moe_trainingjob_phase{namespace=\"ns\",trainingjob=\"current\",phase=\"Running\"}", "1x30"),
                ("moe_trainingjob_step{namespace=\"ns\",trainingjob=\"suspended\"}", "0+10x30"),
                ("moe_trainingjob_checkpoint_interval_steps{namespace=\"ns\",trainingjob=\"suspended\"}", "10x30"),
                ("moe_trainingjob_phase{namespace=\"ns\",trainingjob=\"suspended\",phase=\"Running\"}", "0x30"),
            ],
            "MoeTrainingJobCheckpointStale",
            [
                // Past three intervals at minute 4 (40 steps behind); pending for the 10 minutes of `for`.
                ("10m", []),
                ("20m", [(new() { ["namespace"] = "ns", ["trainingjob"] = "behind" }, "200"), (new() { ["namespace"] = "ns", ["trainingjob"] = "never" }, "200")]),
            ]);

        result.ExitCode.ShouldBe(0, result.Output);
    }

    [Fact]
    public void ALastingImbalance_Fires_AndABriefOneOrTheExpectedValueDoesNot()
    {
        var result = Test(
            [
                ("moe_epgroup_imbalance{namespace=\"ns\",epgroup=\"skewed\",kind=\"measured\"}", "2x30"),
                ("moe_epgroup_imbalance{namespace=\"ns\",epgroup=\"spike\",kind=\"measured\"}", "1.1 3 3 3 1.1x27"),
                ("moe_epgroup_imbalance{namespace=\"ns\",epgroup=\"planned\",kind=\"expected\"}", "2x30"),
            ],
            "MoeEPGroupImbalanced",
            [("20m", [(new() { ["namespace"] = "ns", ["epgroup"] = "skewed" }, "2")])]);

        result.ExitCode.ShouldBe(0, result.Output);
    }

    [Fact]
    public void OfflineTargets_FireAfterFiveMinutes()
    {
        var result = Test(
            [
                ("moe_threefs_targets{namespace=\"ns\",cluster=\"fs\",state=\"offline\"}", "0 0 2x28"),
                ("moe_threefs_targets{namespace=\"ns\",cluster=\"fs\",state=\"serving\"}", "6x30"),
            ],
            "MoeThreeFSTargetsOffline",
            [("5m", []), ("10m", [(new() { ["namespace"] = "ns", ["cluster"] = "fs" }, "2")])]);

        result.ExitCode.ShouldBe(0, result.Output);
    }

    [Fact]
    public void AnUnavailableFoundationDB_FiresAfterFiveMinutes_AndABriefOutageDoesNot()
    {
        var result = Test(
            [
                ("moe_threefs_foundationdb_available{namespace=\"ns\",cluster=\"down\"}", "1 1 0x28"),
                ("moe_threefs_foundationdb_available{namespace=\"ns\",cluster=\"blip\"}", "1 0 0 1x27"),
                ("moe_threefs_foundationdb_available{namespace=\"ns\",cluster=\"fine\"}", "1x30"),
            ],
            "MoeThreeFSFoundationDBUnavailable",
            [("5m", []), ("10m", [(new() { ["namespace"] = "ns", ["cluster"] = "down" }, "0")])]);

        result.ExitCode.ShouldBe(0, result.Output);
    }

    [Fact]
    public void RanksNotReady_FireForTheGroupWithPendingRanks_AfterTenMinutes()
    {
        var result = Test(
            [
                ("moe_epgroup_ranks{namespace=\"ns\",epgroup=\"stuck\",state=\"ready\"}", "2x30"),
                ("moe_epgroup_ranks{namespace=\"ns\",epgroup=\"stuck\",state=\"pending\"}", "2x30"),
                ("moe_epgroup_ranks{namespace=\"ns\",epgroup=\"fine\",state=\"ready\"}", "4x30"),
                ("moe_epgroup_ranks{namespace=\"ns\",epgroup=\"fine\",state=\"pending\"}", "0x30"),
            ],
            "MoeEPGroupRanksNotReady",
            [("5m", []), ("15m", [(new() { ["namespace"] = "ns", ["epgroup"] = "stuck" }, "2")])]);

        result.ExitCode.ShouldBe(0, result.Output);
    }

    [Fact]
    public void ChainsNotServing_FireForDegradedChains()
    {
        var result = Test(
            [
                ("moe_threefs_chains{namespace=\"ns\",cluster=\"fs\",state=\"serving\"}", "15x30"),
                ("moe_threefs_chains{namespace=\"ns\",cluster=\"fs\",state=\"degraded\"}", "1x30"),
                ("moe_threefs_chains{namespace=\"ns\",cluster=\"fs\",state=\"unavailable\"}", "0x30"),
            ],
            "MoeThreeFSChainsNotServing",
            [("15m", [(new() { ["namespace"] = "ns", ["cluster"] = "fs" }, "1")])]);

        result.ExitCode.ShouldBe(0, result.Output);
    }

    [Fact]
    public void NoLeader_FiresWhenNoReplicaLeads_AndNotWhileOneDoes()
    {
        var result = Test(
            [
                ("leader_election_master_status{job=\"moe-moe-operator\",namespace=\"moe-system\",pod=\"a\"}", "1 1 0x28"),
                ("leader_election_master_status{job=\"moe-moe-operator\",namespace=\"moe-system\",pod=\"b\"}", "0x30"),
            ],
            "MoeOperatorNoLeader",
            [("1m", []), ("5m", []), ("10m", [(new() { ["namespace"] = "moe-system" }, "0")])]);

        result.ExitCode.ShouldBe(0, result.Output);
    }

    [Fact]
    public void AWorkQueueBacklog_FiresAfterFifteenMinutes_OnlyForTheOperatorsQueues()
    {
        var result = Test(
            [
                ("workqueue_depth{job=\"moe-moe-operator\",namespace=\"moe-system\",name=\"epgroup\"}", "150x30"),
                ("workqueue_depth{job=\"moe-moe-operator\",namespace=\"moe-system\",name=\"trainingjob\"}", "3x30"),
                ("workqueue_depth{job=\"another-operator\",namespace=\"other\",name=\"busy\"}", "500x30"),
            ],
            "MoeOperatorWorkqueueBacklog",
            [("10m", []), ("20m", [(new() { ["namespace"] = "moe-system", ["name"] = "epgroup" }, "150")])]);

        result.ExitCode.ShouldBe(0, result.Output);
    }

    [Fact]
    public void TheHarness_FailsWhenAnExpectedAlertDoesNotFire()
    {
        var result = Test(
            [("moe_threefs_targets{namespace=\"ns\",cluster=\"fs\",state=\"offline\"}", "0x30")],
            "MoeThreeFSTargetsOffline",
            [("10m", [(new() { ["namespace"] = "ns", ["cluster"] = "fs" }, "2")])]);

        result.ExitCode.ShouldNotBe(0, "no target was offline, so the expected alert must be missing and the test fail");
    }

    // One promtool rule test: the series (promtool's expanding notation, one value a minute), then at each time the
    // alerts expected with their labels and $value; annotations are rendered from the rule's own templates.
    private static ProcessResult Test(IReadOnlyList<(string Series, string Values)> series, string alert, IReadOnlyList<(string At, List<(Dictionary<string, string> Labels, string Value)> Alerts)> expected)
    {
        var rule = YamlDocuments.Parse(File.ReadAllText(_rulesFile)).Single()["groups"]!.AsArray()
            .SelectMany(g => g!["rules"]!.AsArray()).Single(r => (string?)r!["alert"] == alert)!;
        var checks = new JsonArray([.. expected.Select(e => new JsonObject
        {
            ["eval_time"] = e.At,
            ["alertname"] = alert,
            ["exp_alerts"] = new JsonArray([.. e.Alerts.Select(a => new JsonObject
            {
                ["exp_labels"] = new JsonObject([.. a.Labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)), .. rule["labels"]!.AsObject().Select(l => KeyValuePair.Create(l.Key, l.Value?.DeepClone()))]),
                ["exp_annotations"] = new JsonObject([.. rule["annotations"]!.AsObject().Select(n => KeyValuePair.Create(n.Key, (JsonNode?)Render((string)n.Value!, a.Labels, a.Value)))]),
            })]),
        })]);
        var test = new JsonObject
        {
            ["rule_files"] = new JsonArray(_rulesFile),
            ["evaluation_interval"] = "1m",
            ["tests"] = new JsonArray(new JsonObject
            {
                ["interval"] = "1m",
                ["input_series"] = new JsonArray([.. series.Select(s => new JsonObject { ["series"] = s.Series, ["values"] = s.Values })]),
                ["alert_rule_test"] = checks,
            }),
        };
        using var scratch = new ScratchDirectory();
        var file = scratch.Path("alerts.test.yaml");
        File.WriteAllText(file, test.ToJsonString());
        return Tools.Run(Tools.Promtool, ["test", "rules", file]);
    }

    private static string Render(string template, Dictionary<string, string> labels, string value) =>
        LabelReference().Replace(template, m => labels[m.Groups[1].Value]).Replace("{{ $value }}", value, StringComparison.Ordinal);

    [GeneratedRegex(@"\{\{ \$labels\.([a-z_]+) \}\}")]
    private static partial Regex LabelReference();
}
