using System.Text.Json.Nodes;

namespace MoeOperator.Tests.Chart;

/// <summary>
/// The chart's Grafana dashboards as <c>helm template</c> renders them (the ConfigMaps the Grafana sidecar reads,
/// one per file of <c>dashboards/</c>), and every PromQL query in them: panel targets and annotations.
/// </summary>
internal static class ChartDashboards
{
    private static readonly Lazy<IReadOnlyDictionary<string, JsonObject>> _rendered = new(() =>
        RenderedChart.Objects("dashboards.enabled=true")
            .Where(o => (string?)o["kind"] == "ConfigMap" && o["data"] is JsonObject)
            .SelectMany(map => map["data"]!.AsObject().Where(entry => entry.Key.EndsWith(".json", StringComparison.Ordinal)))
            .ToDictionary(entry => entry.Key, entry => JsonNode.Parse((string)entry.Value!)!.AsObject(), StringComparer.Ordinal));

    /// <summary>The dashboards' file names, in order.</summary>
    public static IReadOnlyList<string> Names => [.. _rendered.Value.Keys.Order(StringComparer.Ordinal)];

    /// <summary>One rendered dashboard, by its file name; a fresh copy, so a test may change it.</summary>
    public static JsonObject Get(string name) => _rendered.Value[name].DeepClone().AsObject();

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
    public static IReadOnlyList<string> AllQueries() => [.. Names.SelectMany(name => Queries(Get(name)))];
}
