namespace MoeOperator.Worker.Tests.Kernels;

/// <summary>Random inputs and the accuracy metrics of kernels.md.</summary>
internal static class KernelTestData
{
    public static float[] Normal(int count, int seed, double scale = 1)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(scale * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))];
    }

    /// <summary>DeepGEMM's calc_diff: 1 - 2 sum(xy) / sum(x^2 + y^2), on x + 1 and y + 1.</summary>
    public static double CalcDiff(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double cross = 0, squares = 0;
        for (var i = 0; i < x.Count; i++)
        {
            cross += (x[i] + 1) * (y[i] + 1);
            squares += ((x[i] + 1) * (x[i] + 1)) + ((y[i] + 1) * (y[i] + 1));
        }

        return 1 - (2 * cross / squares);
    }

    /// <summary>FlashMLA's check: 1 - cosine similarity.</summary>
    public static double CosineDiff(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double cross = 0, xx = 0, yy = 0;
        for (var i = 0; i < x.Count; i++)
        {
            cross += x[i] * y[i];
            xx += x[i] * x[i];
            yy += y[i] * y[i];
        }

        return 1 - (cross / Math.Sqrt(xx * yy));
    }

    public static double[] Wide(float[] values) => [.. values.Select(v => (double)v)];
}
