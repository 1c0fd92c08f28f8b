using MoeOperator.Worker.Moe;

namespace MoeOperator.Worker.Tests;

/// <summary>
/// An independent single-process reference of the MoE layer in float64, written token by token from the
/// DeepSeek-V3 definition (no TorchSharp, no dispatch): sigmoid scores, group ranking by the sum of the two best
/// biased scores, top-k among the kept groups, weights normalised over the winners' unbiased scores, SwiGLU experts.
/// </summary>
internal sealed class ReferenceMoe(MoeShape shape, double[,] gate, IReadOnlyList<(double[,] Gate, double[,] Up, double[,] Down)> experts)
{
    public (int[] Ids, double[] Weights) Route(ReadOnlySpan<float> token, double[]? bias)
    {
        var scores = new double[shape.Experts];
        for (var e = 0; e < shape.Experts; e++)
        {
            var dot = 0.0;
            for (var h = 0; h < shape.Hidden; h++)
            {
                dot += gate[e, h] * token[h];
            }

            scores[e] = 1.0 / (1.0 + Math.Exp(-dot));
        }

        var choice = scores.Select((s, e) => s + (bias?[e] ?? 0)).ToArray();
        var perGroup = shape.ExpertsPerGroup;
        var groupScore = Enumerable.Range(0, shape.ExpertGroups)
            .Select(g => choice.Skip(g * perGroup).Take(perGroup).OrderDescending().Take(Math.Min(2, perGroup)).Sum())
            .ToArray();
        var kept = Enumerable.Range(0, shape.ExpertGroups).OrderByDescending(g => groupScore[g]).Take(shape.TopkGroups).ToHashSet();
        var ids = Enumerable.Range(0, shape.Experts).Where(e => kept.Contains(e / perGroup)).OrderByDescending(e => choice[e]).Take(shape.Topk).ToArray();
        var total = ids.Sum(e => scores[e]);
        return (ids, [.. ids.Select(e => scores[e] / total)]);
    }

    public double[] Forward(ReadOnlySpan<float> token, double[]? bias)
    {
        var (ids, weights) = Route(token, bias);
        var output = new double[shape.Hidden];
        for (var k = 0; k < ids.Length; k++)
        {
            var (w1, w3, w2) = experts[ids[k]];
            var inner = new double[shape.Intermediate];
            for (var i = 0; i < shape.Intermediate; i++)
            {
                double g = 0, u = 0;
                for (var h = 0; h < shape.Hidden; h++)
                {
                    g += w1[i, h] * token[h];
                    u += w3[i, h] * token[h];
                }

                inner[i] = g / (1.0 + Math.Exp(-g)) * u;
            }

            for (var h = 0; h < shape.Hidden; h++)
            {
                var y = 0.0;
                for (var i = 0; i < shape.Intermediate; i++)
                {
                    y += w2[h, i] * inner[i];
                }

                output[h] += weights[k] * y;
            }
        }

        return output;
    }

    /// <summary>DeepEP's accuracy metric: 1 - 2 sum(xy) / sum(x^2 + y^2), on x + 1 and y + 1.</summary>
    public static double CalcDiff(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double cross = 0, squares = 0;
        for (var i = 0; i < x.Count; i++)
        {
            var a = x[i] + 1;
            var b = y[i] + 1;
            cross += a * b;
            squares += (a * a) + (b * b);
        }

        return 1 - (2 * cross / squares);
    }
}
