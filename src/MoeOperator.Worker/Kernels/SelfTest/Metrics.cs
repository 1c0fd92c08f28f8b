namespace MoeOperator.Worker.Kernels.SelfTest;

/// <summary>The accuracy metrics of the kernels' upstream tests, on float64.</summary>
public static class Metrics
{
    /// <summary>DeepGEMM's calc_diff: 1 - 2 sum(xy) / sum(x^2 + y^2), on x + 1 and y + 1.</summary>
    public static double CalcDiff(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        double cross = 0, squares = 0;
        for (var i = 0; i < x.Count; i++)
        {
            cross += (x[i] + 1) * (y[i] + 1);
            squares += ((x[i] + 1) * (x[i] + 1)) + ((y[i] + 1) * (y[i] + 1));
        }

        return 1 - (2 * cross / squares);
    }

    /// <summary>FlashMLA's check: 1 - cosine similarity; entries infinite in both (empty rows) are left out.</summary>
    public static double CosineDiff(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        double cross = 0, xx = 0, yy = 0;
        for (var i = 0; i < x.Count; i++)
        {
            if (double.IsInfinity(x[i]) && x[i] == y[i])
            {
                continue;
            }

            cross += x[i] * y[i];
            xx += x[i] * x[i];
            yy += y[i] * y[i];
        }

        return xx == 0 && yy == 0 ? 0 : 1 - (cross / Math.Sqrt(xx * yy));
    }

    /// <summary>Number of positions where the two differ.</summary>
    public static double Mismatches<T>(IReadOnlyList<T> x, IReadOnlyList<T> y)
        where T : IEquatable<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return x.Count != y.Count ? double.PositiveInfinity : Enumerable.Range(0, x.Count).Count(i => !x[i].Equals(y[i]));
    }

    public static double[] Wide(IEnumerable<float> values) => [.. values.Select(v => (double)v)];
}
