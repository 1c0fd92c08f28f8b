namespace MoeOperator.Worker.Kernels;

/// <summary>One FP8 weight matrix [n, k] per group (expert), stacked: codes [groups, n, k], per-block scales [groups, ceil(n / 128), k / 128].</summary>
public sealed record Fp8GroupedWeights(NdArray<byte> Codes, NdArray<float> Scales)
{
    private const string CodesLayout = "[groups, n, k]";

    public int Groups => (int)Codes.Shape[0];

    public int N => (int)Codes.Shape[1];

    public int K => (int)Codes.Shape[2];

    /// <summary>Quantises w [groups, n, k] group by group, so no scale block straddles two experts.</summary>
    public static Fp8GroupedWeights Quantize(ReadOnlySpan<float> w, int groups, int n, int k)
    {
        Shapes.Positive(groups, nameof(groups));
        Shapes.Length(w, (long)groups * n * k, nameof(w), $"[{groups}, {n}, {k}]");
        var codes = new List<byte>(w.Length);
        var scales = new List<float>();
        for (var g = 0; g < groups; g++)
        {
            var one = Fp8.QuantizePerBlock(w.Slice(g * n * k, n * k), n, k);
            codes.AddRange(one.Codes.Data);
            scales.AddRange(one.Scales.Data);
        }

        return new Fp8GroupedWeights(NdArray.Of([.. codes], groups, n, k), NdArray.Of([.. scales], groups, (n + 127) / 128, k / 128));
    }

    /// <summary>Group g's matrix.</summary>
    public Fp8Matrix Group(int g)
    {
        var scalesPerGroup = (N + 127) / 128 * (K / 128);
        return new Fp8Matrix(
            NdArray.Of(Codes.Data[(g * N * K)..((g + 1) * N * K)], N, K),
            NdArray.Of(Scales.Data[(g * scalesPerGroup)..((g + 1) * scalesPerGroup)], (N + 127) / 128, K / 128),
            Fp8Scaling.PerBlock);
    }

    /// <summary>Throws <see cref="KernelInputException"/> unless codes are [groups, n, k] (k a multiple of 128) and scales [groups, ceil(n/128), k/128].</summary>
    public void Validate(string codesName, string scalesName)
    {
        var shape = InputShapes.Dims(Codes, codesName, CodesLayout, 3);
        InputShapes.Positive(Codes, codesName, CodesLayout, "groups", shape[0]);
        InputShapes.Positive(Codes, codesName, CodesLayout, "n", shape[1]);
        InputShapes.MultipleOf128(Codes, codesName, CodesLayout, "k", shape[2]);
        InputShapes.Require(Scales, scalesName, "[groups, ceil(n/128), k/128] per-block scales", shape[0], (shape[1] + 127) / 128, shape[2] / 128);
    }
}
