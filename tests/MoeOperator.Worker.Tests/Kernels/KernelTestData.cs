namespace MoeOperator.Worker.Tests.Kernels;

/// <summary>Random inputs for the kernel tests (the metrics are the worker's <c>Metrics</c>, the upstream tests' formulas).</summary>
internal static class KernelTestData
{
    public static float[] Normal(int count, int seed, double scale = 1)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(scale * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))];
    }

    public static double[] Wide(float[] values) => [.. values.Select(v => (double)v)];
}
