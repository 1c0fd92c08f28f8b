namespace MoeOperator.Worker.Kernels;

/// <summary>
/// DeepGEMM-style FP8 GEMMs (moe_gemm.h): D = A * B^T with per-token A scales and per-block B scales, float32 output.
/// Every input's whole shape is checked first, under the names the command line and the C header use.
/// </summary>
public static unsafe class Fp8Gemm
{
    private const int Float32 = 0;

    /// <summary>D [m, n] = A [m, k] * B [n, k]^T.</summary>
    public static float[] Multiply(Fp8Matrix a, Fp8Matrix b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var d = new float[a.Rows * b.Rows];
        Multiply(a, b, d);
        return d;
    }

    /// <summary>
    /// D [m, n] = A [m, k] * B [n, k]^T into <paramref name="d"/>, every element overwritten: a loop that multiplies
    /// every step reuses one buffer instead of allocating its output each time.
    /// </summary>
    public static void Multiply(Fp8Matrix a, Fp8Matrix b, Span<float> d)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        CheckA(a, "m", "k");
        RequireScaling(b, Fp8Scaling.PerBlock, "b");
        b.Validate("b", "b_scales", "n", "k");
        SameK(a, b.Cols);
        Shapes.Length<float>(d, (long)a.Rows * b.Rows, nameof(d), $"[{a.Rows}, {b.Rows}]");
        fixed (byte* ac = a.Codes.Data, bc = b.Codes.Data)
        fixed (float* asc = a.Scales.Data, bsc = b.Scales.Data, dp = d)
        {
            Native.Check(NativeMethods.GemmNt(ac, asc, bc, bsc, a.Rows, b.Rows, a.Cols, dp, Float32), "fp8 gemm");
        }
    }

    /// <summary>
    /// Contiguous layout: row r of A [m, k] multiplies group groupOfRow[r]'s weights (-1 marks padding, written as
    /// zeros); m % 128 == 0 and each 128-row block belongs to one group. D is [m, n].
    /// </summary>
    public static float[] GroupedContiguous(Fp8Matrix a, Fp8GroupedWeights b, NdArray<int> groupOfRow)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        CheckA(a, "m", "k");
        b.Validate("b", "b_scales");
        SameK(a, b.K);
        InputShapes.Require(groupOfRow, "group_of_row", "[m]", a.Rows);
        var d = new float[a.Rows * b.N];
        fixed (byte* ac = a.Codes.Data, bc = b.Codes.Data)
        fixed (float* asc = a.Scales.Data, bsc = b.Scales.Data, dp = d)
        fixed (int* groups = groupOfRow.Data)
        {
            Native.Check(NativeMethods.GroupedGemmContiguous(ac, asc, bc, bsc, groups, a.Rows, b.Groups, b.N, b.K, dp, Float32), "fp8 grouped gemm (contiguous)");
        }

        return d;
    }

    /// <summary>Masked layout: A is [groups, m_max, k]; group g's first maskedM[g] rows are computed, the rest written as zeros. D is [groups, m_max, n].</summary>
    public static float[] GroupedMasked(Fp8Matrix a, Fp8GroupedWeights b, NdArray<int> maskedM)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        CheckA(a, "groups", "m_max", "k");
        b.Validate("b", "b_scales");
        SameK(a, b.K);
        if (a.Codes.Shape[0] != b.Groups)
        {
            throw new KernelInputException($"a has shape {a.Codes.ShapeText()} ([groups, m_max, k]) but b has {b.Groups} groups ({b.Codes.ShapeText()}): both must have the same groups");
        }

        InputShapes.Require(maskedM, "masked_m", "[groups]", b.Groups);
        var mMax = (int)a.Codes.Shape[1];
        var d = new float[a.Rows * b.N];
        fixed (byte* ac = a.Codes.Data, bc = b.Codes.Data)
        fixed (float* asc = a.Scales.Data, bsc = b.Scales.Data, dp = d)
        fixed (int* masked = maskedM.Data)
        {
            Native.Check(NativeMethods.GroupedGemmMasked(ac, asc, bc, bsc, masked, b.Groups, mMax, b.N, b.K, dp, Float32), "fp8 grouped gemm (masked)");
        }

        return d;
    }

    private static void CheckA(Fp8Matrix a, params string[] dims)
    {
        RequireScaling(a, Fp8Scaling.PerToken, "a");
        a.Validate("a", "a_scales", dims);
    }

    private static void SameK(Fp8Matrix a, int k)
    {
        if (a.Cols != k)
        {
            throw new KernelInputException($"a has k = {a.Cols} but b has k = {k}: both operands share the inner dimension");
        }
    }

    private static void RequireScaling(Fp8Matrix matrix, Fp8Scaling scaling, string name)
    {
        if (matrix.Scaling != scaling)
        {
            throw new KernelInputException($"{name} must be scaled {scaling} (quantise it with Fp8.Quantize{scaling})");
        }
    }
}
