using System.Text.Json;
using System.Text.Json.Nodes;

namespace MoeOperator.Contract;

/// <summary>
/// A rank pod's expert load, published as the pod annotation <see cref="Annotation"/>: the tokens routed to each
/// logical expert while the ranks ran expert map <see cref="Version"/>. The operator sums the reports made against
/// its current map to decide on rebalancing.
/// </summary>
public sealed record ExpertLoadReport(long Version, IReadOnlyList<double> Tokens)
{
    public const string Annotation = "moe.dev/expert-load";

    /// <summary>The annotation's value: {"version": V, "tokens": [t0, t1, ...]}.</summary>
    public string Format() =>
        new JsonObject { ["version"] = Version, ["tokens"] = new JsonArray([.. Tokens.Select(t => (JsonNode?)t)]) }.ToJsonString();

    /// <summary>Reads an annotation's value, or null when it is not a report (a value being rewritten, or written by hand).</summary>
    public static ExpertLoadReport? TryParse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            var document = JsonNode.Parse(text);
            return document?["version"] is JsonValue version && document["tokens"] is JsonArray tokens && tokens.All(t => t is JsonValue)
                ? new ExpertLoadReport(version.GetValue<long>(), [.. tokens.Select(t => t!.GetValue<double>())])
                : null;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }
}
