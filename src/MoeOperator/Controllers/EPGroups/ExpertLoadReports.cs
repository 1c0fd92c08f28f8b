using System.Text.Json;
using System.Text.Json.Nodes;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>
/// How workers report expert load and how the operator reads it: each rank's pod carries the annotation
/// <see cref="Annotation"/> = {"version": V, "tokens": [t0, t1, ...]}, the tokens routed to each logical expert
/// while the ranks ran expert map version V. The operator sums the reports made against the current map.
/// </summary>
internal static class ExpertLoadReports
{
    public const string Annotation = "moe.dev/expert-load";

    /// <summary>The summed load per logical expert over the pods that reported against <paramref name="version"/>, or null when none did.</summary>
    public static double[]? Sum(IEnumerable<JsonObject> pods, long version, int experts)
    {
        ArgumentNullException.ThrowIfNull(pods);
        double[]? total = null;
        foreach (var pod in pods)
        {
            if ((string?)pod["metadata"]?["annotations"]?[Annotation] is not { } text)
            {
                continue;
            }

            JsonNode? report;
            try
            {
                report = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                continue;
            }

            if ((long?)report?["version"] != version || report?["tokens"] is not JsonArray tokens || tokens.Count != experts)
            {
                continue;
            }

            total ??= new double[experts];
            for (var e = 0; e < experts; e++)
            {
                total[e] += (double?)tokens[e] ?? 0;
            }
        }

        return total;
    }

    /// <summary>The annotation value a worker writes.</summary>
    public static string Format(long version, IEnumerable<double> tokens) =>
        new JsonObject { ["version"] = version, ["tokens"] = JsonSerializer.SerializeToNode(tokens.ToArray()) }.ToJsonString();
}
