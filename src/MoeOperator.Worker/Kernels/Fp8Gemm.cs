namespace MoeOperator.Worker.Kernels;

/// <summary>DeepGEMM-style FP8 GEMMs (moe_gemm.h): D = A * B^T with per-token A scales and per-block B scales, float32 output.</summary>
public static unsafe class Fp8Gemm
{
    private const int Float32 = 0;

    /// <summary>D [a.Rows, b.Rows] = A [m, k] * B [n, k]^T.</summary>
    public static float[] Multiply(Fp8Matrix a, Fp8Matrix b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var d = new float[a.Rows * b.Rows];
        Multiply(a, b, d);
        return d;
    }

    /// <summary>
    /// D [a.Rows, b.Rows] = A [m, k] * B [n, k]^T into <paramref name="d"/>, every element overwritten: a loop that
    /// multiplies every step reuses one buffer instead of allocating its output each time.
    /// </summary>
    public static void Multiply(Fp8Matrix a, Fp8Matrix b, Span<float> d)
    {
        ArgumentNullException.ThrowIfNull(b);
        CheckOperands(a, b.Cols);
        b.Validate(nameof(b));
        RequireScaling(b, Fp8Scaling.PerBlock, nameof(b));
        Shapes.Length<float>(d, (long)a.Rows * b.Rows, nameof(d), $"[{a.Rows}, {b.Rows}]");
        fixed (byte* ac = a.Codes, bc = b.Codes)
        fixed (float* asc = a.Scales, bsc = b.Scales, dp = d)
        {
            Native.Check(NativeMethods.GemmNt(ac, asc, bc, bsc, a.Rows, b.Rows, a.Cols, dp, Float32), "fp8 gemm");
        }
    }

    /// <summary>
    /// Contiguous layout: row r of A multiplies group groupOfRow[r]'s weights (-1 marks padding, written as zeros);
    /// a.Rows % 128 == 0 and each 128-row block belongs to one group.
    /// </summary>
    public static float[] GroupedContiguous(Fp8Matrix a, Fp8GroupedWeights b, ReadOnlySpan<int> groupOfRow)
    {
        ArgumentNullException.ThrowIfNull(b);
        CheckOperands(a, b.K);
        b.Validate(nameof(b));
        Shapes.Length(groupOfRow, a.Rows, nameof(groupOfRow), $"[{a.Rows}]");
        var d = new float[a.Rows * b.N];
        fixed (byte* ac = a.Codes, bc = b.Codes)
        fixed (float* asc = a.Scales, bsc = b.Scales, dp = d)
        fixed (int* groups = groupOfRow)
        {
            Native.Check(NativeMethods.GroupedGemmContiguous(ac, asc, bc, bsc, groups, a.Rows, b.Groups, b.N, b.K, dp, Float32), "fp8 grouped gemm (contiguous)");
        }

        return d;
    }

    /// <summary>Masked layout: A is [groups * mMax, k]; group g's first maskedM[g] rows are computed, the rest written as zeros.</summary>
    public static float[] GroupedMasked(Fp8Matrix a, Fp8GroupedWeights b, ReadOnlySpan<int> maskedM, int mMax)
    {
        ArgumentNullException.ThrowIfNull(b);
        CheckOperands(a, b.K);
        b.Validate(nameof(b));
        Shapes.Length(maskedM, b.Groups, nameof(maskedM), $"[{b.Groups}]");
        if ((long)b.Groups * mMax != a.Rows)
        {
            throw new ArgumentException($"a has {a.Rows} rows but groups * mMax = {b.Groups} * {mMax}: lay A out as [groups, mMax, k]", nameof(a));
        }

        var d = new float[a.Rows * b.N];
        fixed (byte* ac = a.Codes, bc = b.Codes)
        fixed (float* asc = a.Scales, bsc = b.Scales, dp = d)
        fixed (int* masked = maskedM)
        {
            Native.Check(NativeMethods.GroupedGemmMasked(ac, asc, bc, bsc, masked, b.Groups, mMax, b.N, b.K, dp, Float32), "fp8 grouped gemm (masked)");
        }

        return d;
    }

    private static void CheckOperands(Fp8Matrix a, int k)
    {
        ArgumentNullException.ThrowIfNull(a);
        a.Validate(nameof(a));
        RequireScaling(a, Fp8Scaling.PerToken, nameof(a));
        if (a.Cols != k)
        {
            throw new ArgumentException($"a has K = {a.Cols} but b has K = {k}: both operands share the inner dimension", nameof(a));
        }
    }

    private static void RequireScaling(Fp8Matrix matrix, Fp8Scaling scaling, string name)
    {
        if (matrix.Scaling != scaling)
        {
            throw new ArgumentException($"{name} must be scaled {scaling} (quantise it with Fp8.Quantize{scaling})", name);
        }
    }
}
