using System.Text.Json.Nodes;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Chart;

/// <summary>
/// Every query of the chart's dashboards, as the chart renders them, is PromQL that Prometheus accepts: each panel target is wrapped as a
/// recording rule (Grafana's interval variables given a value) and checked with promtool, as the alert rules are.
/// </summary>
public sealed class DashboardQueriesTests
{
    private static readonly Dictionary<string, string> _grafanaVariables = new(StringComparer.Ordinal)
    {
        ["$__rate_interval"] = "5m",
        ["$__interval"] = "1m",
        ["$__range"] = "1h",
    };

    public static TheoryData<string> Dashboards => [.. ChartDashboards.Names];

    /// <summary>The dashboards of one kind of object, and the template variables every query filters by.</summary>
    public static TheoryData<string, string> ObjectDashboards => new()
    {
        { "moe-epgroups.json", "epgroup" },
        { "moe-threefs.json", "cluster" },
        { "moe-training.json", "trainingjob" },
    };

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void EveryPanelQuery_PassesPromtool(string dashboard)
    {
        var queries = ChartDashboards.Queries(ChartDashboards.Get(dashboard));

        var result = Check(queries);

        queries.ShouldNotBeEmpty();
        result.ExitCode.ShouldBe(0, result.Output);
        result.Output.ShouldContain($"SUCCESS: {queries.Count} rules found");
    }

    [Theory]
    [MemberData(nameof(ObjectDashboards))]
    public void AnObjectsDashboard_OffersItsNamespaceAndObject_AndEveryQueryFiltersByBoth(string dashboard, string objectLabel)
    {
        var json = ChartDashboards.Get(dashboard);
        var variables = json["templating"]!["list"]!.AsArray().Select(v => (string?)v!["name"]).ToList();

        variables.ShouldBe(["datasource", "namespace", objectLabel]);
        ChartDashboards.Queries(json).ShouldAllBe(query => query.Contains("namespace=~\"$namespace\"", StringComparison.Ordinal) && query.Contains($"{objectLabel}=~\"${objectLabel}\"", StringComparison.Ordinal));
    }

    [Fact]
    public void TheCheck_RefusesAQueryPrometheusWouldNotParse()
    {
        var result = Check(["sum by (namespace) (rate(moe_worker_tokens_total[5m])"]);

        result.ExitCode.ShouldNotBe(0, "an unclosed parenthesis must fail the check, or the check proves nothing");
    }

    private static ProcessResult Check(IReadOnlyList<string> queries)
    {
        using var scratch = new ScratchDirectory();
        var rules = new JsonArray([.. queries.Select((query, i) => new JsonObject
        {
            ["record"] = $"dashboard:query_{i}",
            ["expr"] = _grafanaVariables.Aggregate(query, (expr, variable) => expr.Replace(variable.Key, variable.Value, StringComparison.Ordinal)),
        })]);
        // JSON is YAML, so promtool reads the rules file as it is written here.
        var file = scratch.Path("dashboard-queries.rules.yaml");
        File.WriteAllText(file, new JsonObject { ["groups"] = new JsonArray(new JsonObject { ["name"] = "dashboard-queries", ["rules"] = rules }) }.ToJsonString());
        return Tools.Run(Tools.Promtool, ["check", "rules", file]);
    }
}
