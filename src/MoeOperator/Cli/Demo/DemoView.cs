using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.Cli.Demo;

/// <summary>
/// What the demo shows of its EPGroup at one moment, read from the group's status and the ranks' metrics (pure):
/// the progress line and, once the measured imbalance under a rebalanced map is known, the closing summary.
/// </summary>
internal sealed record DemoView(string Phase, int Ranks, int ReadyRanks, double TokensPerSecond, long MapVersion, double? Before, double? Expected, double? Measured, long? MeasuredVersion, string[] Nodes, string? Failure)
{
    public static DemoView From(JsonObject? group, double tokensPerSecond)
    {
        var status = group?["status"];
        var map = status?["expertMap"];
        return new DemoView(
            (string?)status?["phase"] ?? "Pending",
            (int?)group?["spec"]?["ranks"] ?? 0,
            (int?)status?["readyRanks"] ?? 0,
            tokensPerSecond,
            (long?)map?["version"] ?? 0,
            (double?)map?["imbalanceBefore"],
            (double?)map?["imbalanceAfter"],
            (double?)map?["measuredImbalance"],
            (long?)map?["measuredVersion"],
            [.. status?["placement"]?.AsArray().Select(p => (string?)p?["node"] ?? "?") ?? []],
            (string?)status?["lastFailure"]?["message"]);
    }

    /// <summary>The group has been rebalanced and the ranks have measured the new map.</summary>
    public bool Rebalanced => MapVersion >= 2 && MeasuredVersion == MapVersion && Before is not null && Measured is not null;

    public bool Failed => Phase == "Failed";

    /// <summary>For example "Running · ranks 4/4 ready · 5,104 tokens/s · expert map v2 · rebalanced 1.408 -> 1.018 expected, measuring".</summary>
    public string Line()
    {
        var parts = new List<string> { Phase, $"ranks {ReadyRanks}/{Ranks} ready" };
        if (TokensPerSecond > 0)
        {
            parts.Add($"{Number(TokensPerSecond, "N0")} tokens/s");
        }

        if (MapVersion > 0)
        {
            parts.Add($"expert map v{MapVersion}");
        }

        if (Before is { } before && Expected is { } expected)
        {
            parts.Add($"rebalanced {Number(before)} -> {Number(expected)} expected" + (Rebalanced ? $", {Number(Measured!.Value)} measured" : ", measuring"));
        }
        else if (Measured is { } measured)
        {
            parts.Add($"imbalance {Number(measured)} measured");
        }

        return string.Join(" · ", parts);
    }

    public string Summary(TimeSpan readyAfter, TimeSpan total) => $"""

        Summary
          group:      {Ranks} ranks on {string.Join(", ", Nodes)}, ready after {Seconds(readyAfter)}
          throughput: {Number(TokensPerSecond, "N0")} tokens/s across the ranks
          EPLB:       GPU load max/mean {Number(Before!.Value)} under the first map -> {Number(Measured!.Value)} measured under map v{MapVersion} ({Number(Expected!.Value)} expected)
          total:      {Seconds(total)}
        """;

    private static string Number(double value, string format = "0.000") => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s";
}
