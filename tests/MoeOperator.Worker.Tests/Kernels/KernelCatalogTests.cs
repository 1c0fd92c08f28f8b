using MoeOperator.Worker.Kernels;
using MoeOperator.Worker.Kernels.Cli;
using MoeOperator.Worker.Kernels.Npy;

namespace MoeOperator.Worker.Tests.Kernels;

/// <summary>
/// Every kernel of <c>moe-worker kernel</c> run from .npy files gives what the binding gives when called directly, in
/// the shapes <c>--list</c> promises: the command line's wiring (names, layouts, parameters) is what is checked here;
/// the kernels themselves are checked against the float64 reference elsewhere.
/// </summary>
public sealed class KernelCatalogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("moe-catalog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Dictionary<string, NpyArray> Run(string kernel, Dictionary<string, NpyArray> inputs, Dictionary<string, string>? parameters = null)
    {
        var spec = KernelCatalog.Find(kernel).ShouldNotBeNull();
        var inFiles = inputs.ToDictionary(p => p.Key, p => Path.Combine(_dir, $"in-{p.Key}.npy"));
        foreach (var (name, array) in inputs)
        {
            NpyFile.Write(inFiles[name], array);
        }

        var outFiles = spec.Outputs.ToDictionary(p => p.Name, p => Path.Combine(_dir, $"out-{p.Name}.npy"));
        KernelRunner.Run(spec, inFiles, outFiles, parameters ?? [], TextWriter.Null);
        return outFiles.Where(p => File.Exists(p.Value)).ToDictionary(p => p.Key, p => NpyFile.Read(p.Value));
    }

    [Fact]
    public void Fp8Kernels_MatchTheirBindings()
    {
        var x = KernelTestData.Normal(3 * 256, seed: 1);
        var q = Run("fp8-quantize-per-token", new() { ["x"] = NpyArray.Of(x, 3, 256) });
        var direct = Fp8.QuantizePerToken(x, 3, 256);
        q["codes"].Bytes("codes").ShouldBe(direct.Codes.Data);
        q["codes"].Shape.ShouldBe([3L, 256L]);
        q["scales"].Floats("scales").ShouldBe(direct.Scales.Data);
        q["scales"].Shape.ShouldBe([3L, 2L]);

        var w = KernelTestData.Normal(130 * 256, seed: 2);
        var blocks = Run("fp8-quantize-per-block", new() { ["w"] = NpyArray.Of(w, 130, 256) });
        blocks["scales"].Shape.ShouldBe([2L, 2L]);
        var back = Run("fp8-dequantize", new() { ["codes"] = blocks["codes"], ["scales"] = blocks["scales"] }, new() { ["scaling"] = "per-block" });
        back["x"].Floats("x").ShouldBe(Fp8.Dequantize(Fp8.QuantizePerBlock(w, 130, 256)));

        var d = Run("fp8-gemm", new() { ["a"] = q["codes"], ["a_scales"] = q["scales"], ["b"] = blocks["codes"], ["b_scales"] = blocks["scales"] });
        d["d"].Shape.ShouldBe([3L, 130L]);
        d["d"].Floats("d").ShouldBe(Fp8Gemm.Multiply(direct, Fp8.QuantizePerBlock(w, 130, 256)));
    }

    [Fact]
    public void GroupedGemms_MatchTheirBindings()
    {
        var weights = Fp8GroupedWeights.Quantize(KernelTestData.Normal(2 * 128 * 128, seed: 3), 2, 128, 128);
        var b = new Dictionary<string, NpyArray>
        {
            ["b"] = NpyArray.Of(weights.Codes.Data, 2, 128, 128),
            ["b_scales"] = NpyArray.Of(weights.Scales.Data, 2, 1, 1),
        };
        var a = Fp8.QuantizePerToken(KernelTestData.Normal(256 * 128, seed: 4), 256, 128);
        var groupOfRow = Enumerable.Range(0, 256).Select(r => r < 100 ? 1 : r >= 128 && r < 200 ? 0 : -1).ToArray();
        var contiguous = Run("fp8-grouped-gemm-contiguous", new(b)
        {
            ["a"] = NpyArray.Of(a.Codes.Data, 256, 128),
            ["a_scales"] = NpyArray.Of(a.Scales.Data, 256, 1),
            ["group_of_row"] = NpyArray.Of(groupOfRow, 256),
        });
        contiguous["d"].Floats("d").ShouldBe(Fp8Gemm.GroupedContiguous(a, weights, NdArray.Of(groupOfRow, 256)));

        int[] masked = [3, 128];
        var masks = Run("fp8-grouped-gemm-masked", new(b)
        {
            ["a"] = NpyArray.Of(a.Codes.Data, 2, 128, 128),
            ["a_scales"] = NpyArray.Of(a.Scales.Data, 2, 128, 1),
            ["masked_m"] = NpyArray.Of(masked, 2),
        });
        masks["d"].Shape.ShouldBe([2L, 128L, 128L]);
        masks["d"].Floats("d").ShouldBe(Fp8Gemm.GroupedMasked(a.Reshape(2, 128, 128), weights, NdArray.Of(masked, 2)));
    }

    [Fact]
    public void MlaDecode_MatchesItsBinding_WithLseLaidOutByHeadThenQuery()
    {
        int[] seqlens = [70, 5];
        var inputs = new MlaInputs(
            NdArray.Of(KernelTestData.Normal(2 * 2 * 3 * 576, seed: 5), 2, 2, 3, 576), NdArray.Of(KernelTestData.Normal(4 * 64 * 576, seed: 6), 4, 64, 1, 576),
            NdArray.Of<int>([0, 1, 2, 3], 2, 2), NdArray.Of(seqlens, 2), Causal: true);
        var result = Run(
            "mla-decode",
            new()
            {
                ["q"] = NpyArray.Of(inputs.Q.Data, 2, 2, 3, 576),
                ["k_cache"] = NpyArray.Of(inputs.KCache.Data, 4, 64, 1, 576),
                ["block_table"] = NpyArray.Of(inputs.BlockTable.Data, 2, 2),
                ["cache_seqlens"] = NpyArray.Of(seqlens, 2),
            },
            new() { ["causal"] = "1", ["parts"] = "3" });

        var direct = MlaDecoding.Decode(inputs, MlaDecoding.Schedule(seqlens, 3));
        result["out"].Shape.ShouldBe([2L, 2L, 3L, 512L]);
        result["out"].Floats("out").ShouldBe(direct.Out);
        result["lse"].Shape.ShouldBe([2L, 3L, 2L]);
        result["lse"].Floats("lse").ShouldBe(direct.Lse);
    }

    [Fact]
    public void EpKernels_MatchTheirBindings()
    {
        long[] topk = [0, 5, 7, -1, 2, 3, 6, 1];
        var x = KernelTestData.Normal(4 * 8, seed: 7);
        var weights = KernelTestData.Normal(4 * 2, seed: 8);
        var parameters = new Dictionary<string, string> { ["experts"] = "8", ["ranks"] = "4" };

        var layout = Run("ep-layout", new() { ["topk_idx"] = NpyArray.Of(topk, 4, 2) }, parameters);
        var direct = EpLayout.Compute(NdArray.Of(topk, 4, 2), 8, 4);
        layout["tokens_per_rank"].Ints("tokens_per_rank").ShouldBe(direct.TokensPerRank);
        layout["tokens_per_expert"].Ints("tokens_per_expert").ShouldBe(direct.TokensPerExpert);
        layout["is_token_in_rank"].Shape.ShouldBe([4L, 4L]);
        layout["is_token_in_rank"].Bytes("is_token_in_rank").ShouldBe(direct.IsTokenInRank);

        var permuted = Run("ep-permute", new() { ["x"] = NpyArray.Of(x, 4, 8), ["topk_idx"] = NpyArray.Of(topk, 4, 2), ["topk_weights"] = NpyArray.Of(weights, 4, 2) }, parameters);
        var expected = EpLayout.Permute(NdArray.Of(x, 4, 8), NdArray.Of(topk, 4, 2), NdArray.Of(weights, 4, 2), 8, 4);
        permuted["recv_x"].Floats("recv_x").ShouldBe(expected.X);
        permuted["recv_src_token"].Ints("recv_src_token").ShouldBe(expected.SourceToken);
        permuted["recv_topk_idx"].Longs("recv_topk_idx").ShouldBe(expected.TopkIdx);
        permuted["recv_topk_weights"].Floats("recv_topk_weights").ShouldBe(expected.TopkWeights!);
        permuted["rank_offsets"].Ints("rank_offsets").ShouldBe(expected.RankOffsets);

        var combined = Run("ep-unpermute", new() { ["y"] = permuted["recv_x"], ["src_token"] = permuted["recv_src_token"] }, new() { ["tokens"] = "4" });
        combined["out"].Floats("out").ShouldBe(EpLayout.Unpermute(NdArray.Of(expected.X, expected.SourceToken.Length, 8), NdArray.Of(expected.SourceToken, expected.SourceToken.Length), null, 4));
    }
}
