using System.Text.Json.Nodes;
using MoeOperator.Contract;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>
/// How the operator reads the expert load the workers report: each rank's pod carries an
/// <see cref="ExpertLoadReport"/> annotation, and the operator sums the reports made against the current map.
/// </summary>
internal static class ExpertLoadReports
{
    /// <summary>The summed load per logical expert over the pods that reported against <paramref name="version"/>, or null when none did.</summary>
    public static double[]? Sum(IEnumerable<JsonObject> pods, long version, int experts)
    {
        ArgumentNullException.ThrowIfNull(pods);
        double[]? total = null;
        foreach (var pod in pods)
        {
            if (ExpertLoadReport.TryParse((string?)pod["metadata"]?["annotations"]?[ExpertLoadReport.Annotation]) is not { } report
                || report.Version != version || report.Tokens.Count != experts)
            {
                continue;
            }

            total ??= new double[experts];
            for (var e = 0; e < experts; e++)
            {
                total[e] += report.Tokens[e];
            }
        }

        return total;
    }
}
