namespace MoeOperator.Worker.Kernels;

/// <summary>How an FP8 matrix is scaled: per token (1x128 along K, activations) or per 128x128 block (weights).</summary>
public enum Fp8Scaling
{
    PerToken,
    PerBlock,
}

/// <summary>
/// Row-major e4m3 codes [..., rows, k] with DeepGEMM's scales: per token, the codes' shape with k / 128 last
/// ([m, k / 128], or [groups, m_max, k / 128] for the masked layout); per block, [ceil(n / 128), k / 128].
/// </summary>
public sealed record Fp8Matrix(NdArray<byte> Codes, NdArray<float> Scales, Fp8Scaling Scaling)
{
    /// <summary>Every row of every leading dimension.</summary>
    public int Rows => (int)Codes.Shape[..^1].Aggregate(1L, (a, b) => a * b);

    /// <summary>K, the last dimension.</summary>
    public int Cols => (int)Codes.Shape[^1];

    public int ScaleRows => Scaling == Fp8Scaling.PerToken ? Rows : (Rows + 127) / 128;

    public int ScaleCols => Cols / 128;

    /// <summary>The same codes seen with other leading dimensions (per-token scales follow them).</summary>
    public Fp8Matrix Reshape(params long[] codesShape)
    {
        if (Scaling != Fp8Scaling.PerToken)
        {
            throw new InvalidOperationException("only per-token matrices can be reshaped: a weight's 128x128 blocks belong to its two dimensions");
        }

        var codes = Codes.Reshape(codesShape);
        return new Fp8Matrix(codes, Scales.Reshape([.. codesShape[..^1], codesShape[^1] / 128]), Scaling);
    }

    /// <summary>
    /// Throws <see cref="KernelInputException"/> unless the codes have the dimensions named in <paramref name="dims"/>
    /// (k last, a multiple of 128) and the scales exactly the shape the scaling implies; errors use the given names.
    /// </summary>
    public void Validate(string codesName, string scalesName, params string[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var layout = $"[{string.Join(", ", dims)}]";
        var shape = InputShapes.Dims(Codes, codesName, layout, dims.Length);
        InputShapes.MultipleOf128(Codes, codesName, layout, dims[^1], shape[^1]);
        long[] expected;
        string scalesLayout;
        if (Scaling == Fp8Scaling.PerToken)
        {
            expected = [.. shape[..^1], shape[^1] / 128];
            scalesLayout = $"[{string.Join(", ", dims[..^1].Append($"{dims[^1]}/128"))}] per-token scales";
        }
        else
        {
            if (dims.Length != 2)
            {
                throw new InvalidOperationException("per-block scaling is defined for [n, k] matrices");
            }

            expected = [(shape[0] + 127) / 128, shape[1] / 128];
            scalesLayout = $"[ceil({dims[0]}/128), {dims[1]}/128] per-block scales";
        }

        InputShapes.Require(Scales, scalesName, scalesLayout, expected);
    }
}
