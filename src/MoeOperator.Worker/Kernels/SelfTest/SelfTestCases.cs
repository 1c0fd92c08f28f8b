namespace MoeOperator.Worker.Kernels.SelfTest;

/// <summary>
/// The selftest's cases: every kernel on seeded random inputs of a few shapes (ragged and padded among them), checked
/// against <see cref="KernelReference"/> with the tolerances of the upstream tests (kernels.md).
/// </summary>
public static class SelfTestCases
{
    public static IEnumerable<SelfTestCase> All()
    {
        yield return new SelfTestCase("e4m3", "all 256 codes", "codes differing from the format table", 0, () =>
            Enumerable.Range(0, 256).Count(c => !Same(Fp8.Decode((byte)c), KernelReference.E4m3((byte)c))));
        foreach (var (m, k) in new[] { (3, 256), (130, 384) })
        {
            yield return new SelfTestCase("fp8-quantize-per-token", $"{m}x{k}", "calc_diff(dequantised, x)", 1e-3, () =>
            {
                var x = Random(m * k, seed: m);
                var q = Fp8.QuantizePerToken(x, m, k);
                return Metrics.CalcDiff(KernelReference.Dequantize(q), Metrics.Wide(x));
            });
        }

        foreach (var (m, n, k) in new[] { (1, 512, 1024), (64, 300, 512), (129, 256, 384) })
        {
            yield return new SelfTestCase("fp8-gemm", $"{m}x{n}x{k}", "calc_diff vs float64", 1e-3, () =>
            {
                var a = Fp8.QuantizePerToken(Random(m * k, seed: 1), m, k);
                var b = Fp8.QuantizePerBlock(Random(n * k, seed: 2), n, k);
                return Metrics.CalcDiff(Metrics.Wide(Fp8Gemm.Multiply(a, b)), KernelReference.Gemm(a, b));
            });
        }

        yield return new SelfTestCase("fp8-grouped-gemm-contiguous", "3 groups of 100, 0, 250 rows, 256x256", "calc_diff vs float64", 1e-3, GroupedContiguous);
        yield return new SelfTestCase("fp8-grouped-gemm-masked", "masked_m 5, 0, 32 of 32, 128x256", "calc_diff vs float64", 1e-3, GroupedMasked);
        yield return new SelfTestCase("mla-decode", "seqlens 130, 777, 0; s_q 2; h_q 4; causal", "cosine diff of out and lse", 1e-5, () => Mla([130, 777, 0], 2, 4, causal: true));
        yield return new SelfTestCase("mla-decode", "seqlens 5000; s_q 1; h_q 16", "cosine diff of out and lse", 1e-5, () => Mla([5000], 1, 16, causal: false));
        yield return new SelfTestCase("ep-layout", "300 tokens, top-8 of 64 experts, 8 ranks", "entries differing from torch", 0, () =>
        {
            var topk = Routing(300, 8, 64, seed: 3);
            var (actual, expected) = (EpLayout.Compute(NdArray.Of(topk, 300, 8), 64, 8), KernelReference.EpLayout(topk, 8, 64, 8));
            return Metrics.Mismatches(actual.TokensPerRank, expected.TokensPerRank) + Metrics.Mismatches(actual.TokensPerExpert, expected.TokensPerExpert)
                + Metrics.Mismatches(actual.IsTokenInRank, expected.IsTokenInRank);
        });
        yield return new SelfTestCase("ep-permute + ep-unpermute", "64 tokens, top-4 of 16 experts, 4 ranks", "max |combine - copies * x|", 1e-5, () =>
        {
            var topk = NdArray.Of(Routing(64, 4, 16, seed: 4), 64, 4);
            var x = Random(64 * 32, seed: 5);
            var layout = EpLayout.Compute(topk, 16, 4);
            var permuted = EpLayout.Permute(NdArray.Of(x, 64, 32), topk, null, 16, 4);
            var combined = EpLayout.Unpermute(NdArray.Of(permuted.X, permuted.SourceToken.Length, 32), NdArray.Of(permuted.SourceToken, permuted.SourceToken.Length), null, 64);
            return Enumerable.Range(0, 64 * 32).Max(i =>
                Math.Abs(combined[i] - (Enumerable.Range(0, 4).Sum(r => layout.IsTokenInRank[(i / 32 * 4) + r]) * (double)x[i])));
        });
    }

    private static bool Same(float actual, double expected) => double.IsNaN(expected) ? float.IsNaN(actual) : actual == expected;

    private static double GroupedContiguous()
    {
        const int n = 256, k = 256;
        var weights = Fp8GroupedWeights.Quantize(Random(3 * n * k, seed: 6), 3, n, k);
        var groupOfRow = Enumerable.Range(0, 384).Select(r => r < 100 ? 0 : r >= 128 && r < 378 ? 2 : -1).ToArray();
        var a = Fp8.QuantizePerToken(Random(384 * k, seed: 7), 384, k);
        var d = Fp8Gemm.GroupedContiguous(a, weights, NdArray.Of(groupOfRow, groupOfRow.Length));
        var references = Enumerable.Range(0, 3).Select(g => KernelReference.Gemm(a, weights.Group(g))).ToArray();
        var expected = groupOfRow.SelectMany((g, row) => g < 0 ? new double[n] : references[g].AsSpan(row * n, n).ToArray()).ToArray();
        return Metrics.CalcDiff(Metrics.Wide(d), expected);
    }

    private static double GroupedMasked()
    {
        const int n = 128, k = 256, mMax = 32;
        int[] masked = [5, 0, 32];
        var weights = Fp8GroupedWeights.Quantize(Random(3 * n * k, seed: 8), 3, n, k);
        var a = Fp8.QuantizePerToken(Random(3 * mMax * k, seed: 9), 3 * mMax, k);
        var d = Fp8Gemm.GroupedMasked(a.Reshape(3, mMax, k), weights, NdArray.Of(masked, 3));
        var references = Enumerable.Range(0, 3).Select(g => KernelReference.Gemm(a, weights.Group(g))).ToArray();
        var expected = Enumerable.Range(0, 3 * mMax)
            .SelectMany(row => row % mMax < masked[row / mMax] ? references[row / mMax].AsSpan(row * n, n).ToArray() : new double[n]).ToArray();
        return Metrics.CalcDiff(Metrics.Wide(d), expected);
    }

    private static double Mla(int[] seqlens, int sQ, int hQ, bool causal)
    {
        var blocksPerSeq = Math.Max(1, seqlens.Max(s => (s + 63) / 64));
        var blockTable = Enumerable.Range(0, seqlens.Length * blocksPerSeq).ToArray();
        new Random(10).Shuffle(blockTable);
        var inputs = new MlaInputs(
            NdArray.Of(Random(seqlens.Length * sQ * hQ * MlaInputs.HeadDim, seed: 11), seqlens.Length, sQ, hQ, MlaInputs.HeadDim),
            NdArray.Of(Random(blockTable.Length * 64 * MlaInputs.HeadDim, seed: 12), blockTable.Length, 64, 1, MlaInputs.HeadDim),
            NdArray.Of(blockTable, seqlens.Length, blocksPerSeq), NdArray.Of(seqlens, seqlens.Length), causal);
        var result = MlaDecoding.Decode(inputs, MlaDecoding.Schedule(seqlens, Math.Max(2, Native.Threads)));
        var (expectedOut, expectedLse) = KernelReference.Mla(inputs);
        return Math.Max(Metrics.CosineDiff(Metrics.Wide(result.Out), expectedOut), Metrics.CosineDiff(Metrics.Wide(result.Lse), expectedLse));
    }

    private static float[] Random(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1))];
    }

    private static long[] Routing(int tokens, int topK, int experts, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, tokens).SelectMany(_ =>
            Enumerable.Range(0, experts).OrderBy(_ => random.Next()).Take(topK).Select(e => random.Next(6) == 0 ? -1L : e))];
    }
}
