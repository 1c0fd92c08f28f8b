namespace MoeOperator.Worker.Kernels;

/// <summary>One FP8 weight matrix [N, K] per group (expert), stacked: codes [Groups, N, K], per-block scales [Groups, ceil(N / 128), K / 128].</summary>
public sealed record Fp8GroupedWeights(byte[] Codes, float[] Scales, int Groups, int N, int K)
{
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
            codes.AddRange(one.Codes);
            scales.AddRange(one.Scales);
        }

        return new Fp8GroupedWeights([.. codes], [.. scales], groups, n, k);
    }

    /// <summary>Group g's matrix.</summary>
    public Fp8Matrix Group(int g)
    {
        var scalesPerGroup = (N + 127) / 128 * (K / 128);
        return new Fp8Matrix(Codes[(g * N * K)..((g + 1) * N * K)], Scales[(g * scalesPerGroup)..((g + 1) * scalesPerGroup)], N, K, Fp8Scaling.PerBlock);
    }

    public void Validate(string name)
    {
        Shapes.Positive(Groups, $"{name}.Groups");
        Shapes.Positive(N, $"{name}.N");
        Shapes.Positive(K, $"{name}.K");
        Shapes.MultipleOf128(K, $"{name}.K");
        Shapes.Length<byte>(Codes, (long)Groups * N * K, $"{name}.Codes", $"[{Groups}, {N}, {K}]");
        Shapes.Length<float>(Scales, (long)Groups * ((N + 127) / 128) * (K / 128), $"{name}.Scales", $"[{Groups}, {(N + 127) / 128}, {K / 128}]");
    }
}
