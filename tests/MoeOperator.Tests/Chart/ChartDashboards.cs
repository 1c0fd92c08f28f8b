using System.Text.Json.Nodes;

namespace MoeOperator.Tests.Chart;

/// <summary>The chart's Grafana dashboards (<c>dashboards/*.json</c>) and every PromQL query in them: panel targets and annotations.</summary>
internal static class ChartDashboards
{
    public static IReadOnlyList<string> Files => [.. Directory.GetFiles(Path.Combine(RenderedChart.ChartDirectory, "dashboards"), "*.json").Order(StringComparer.Ordinal)];

    public static JsonObject Read(string file) => JsonNode.Parse(File.ReadAllText(file))!.AsObject();

    /// <summary>The queries of one dashboard.</summary>
    public static IReadOnlyList<string> Queries(JsonObject dashboard) =>
    [
        .. dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]?.AsArray() ?? []).Select(t => (string)t!["expr"]!),
        .. (dashboard["annotations"]?["list"]?.AsArray() ?? []).Select(a => (string?)a!["expr"]).OfType<string>(),
    ];

    /// <summary>Each panel query of one dashboard, with its panel's title.</summary>
    public static IReadOnlyList<(string Title, string Query)> Panels(JsonObject dashboard) =>
    [
        .. dashboard["panels"]!.AsArray().SelectMany(p => (p!["targets"]?.AsArray() ?? []).Select(t => ((string)p["title"]!, (string)t!["expr"]!))),
    ];

    /// <summary>The queries of every dashboard.</summary>
    public static IReadOnlyList<string> AllQueries() => [.. Files.SelectMany(f => Queries(Read(f)))];
}
