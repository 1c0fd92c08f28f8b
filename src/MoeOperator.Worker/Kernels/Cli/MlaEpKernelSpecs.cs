using MoeOperator.Worker.Kernels.Npy;

namespace MoeOperator.Worker.Kernels.Cli;

/// <summary>MLA decoding and the expert-parallel layout kernels on the command line.</summary>
internal static class MlaEpKernelSpecs
{
    public static IEnumerable<KernelSpec> All()
    {
        yield return new KernelSpec(
            "mla-decode",
            "FlashMLA-style decoding over a paged KV cache (page 64, head dim 576, value dim 512, one KV head)",
            [new("q", NpyType.Float32, "[batch, s_q, h_q, 576]"), new("k_cache", NpyType.Float32, "[num_blocks, 64, 1, 576]"),
             new("block_table", NpyType.Int32, "[batch, max_blocks_per_seq]"), new("cache_seqlens", NpyType.Int32, "[batch]")],
            [new("out", NpyType.Float32, "[batch, s_q, h_q, 512]"),
             new("lse", NpyType.Float32, "[batch, h_q, s_q] natural log (base e, as FlashMLA's softmax_lse) of the softmax denominator; -inf where no token is seen")],
            [new("causal", "1 masks each query to the tokens before it among the last s_q", "0"),
             new("softmax-scale", "scale of q.k; 0 means 1/sqrt(576)", "0"),
             new("parts", "split-KV partitions (compute units)", "number of threads")],
            call =>
            {
                var inputs = new MlaInputs(
                    call.Array<float>("q"), call.Array<float>("k_cache"), call.Array<int>("block_table"), call.Array<int>("cache_seqlens"), call.Int("causal", 0) != 0);
                inputs.Validate();
                var result = MlaDecoding.Decode(inputs, MlaDecoding.Schedule(inputs.CacheSeqlens.Data, call.Int("parts", Native.Threads)), call.Float("softmax-scale", 0));
                return new Dictionary<string, NpyArray>
                {
                    ["out"] = NpyArray.Of(result.Out, inputs.Batch, inputs.SQ, inputs.HQ, MlaInputs.ValueDim),
                    ["lse"] = NpyArray.Of(result.Lse, inputs.Batch, inputs.HQ, inputs.SQ),
                };
            });
        yield return new KernelSpec(
            "ep-layout",
            "DeepEP's dispatch layout: tokens per rank and per expert, and which ranks each token goes to",
            [new("topk_idx", NpyType.Int64, "[tokens, top_k], -1 = none")],
            [new("tokens_per_rank", NpyType.Int32, "[ranks]"), new("tokens_per_expert", NpyType.Int32, "[experts]"),
             new("is_token_in_rank", NpyType.UInt8, "[tokens, ranks]")],
            [new("experts", "number of experts (a multiple of ranks)", "required"), new("ranks", "number of ranks", "required")],
            call =>
            {
                var topk = call.Array<long>("topk_idx");
                var (experts, ranks) = (Required(call, "experts"), Required(call, "ranks"));
                var layout = EpLayout.Compute(topk, experts, ranks);
                return new Dictionary<string, NpyArray>
                {
                    ["tokens_per_rank"] = NpyArray.Of(layout.TokensPerRank, ranks),
                    ["tokens_per_expert"] = NpyArray.Of(layout.TokensPerExpert, experts),
                    ["is_token_in_rank"] = NpyArray.Of(layout.IsTokenInRank, topk.Shape[0], ranks),
                };
            });
        yield return new KernelSpec(
            "ep-permute",
            "Dispatch's permutation: each token copied to every rank that holds one of its experts, rank after rank",
            [new("x", NpyType.Float32, "[tokens, hidden]"), new("topk_idx", NpyType.Int64, "[tokens, top_k]"),
             new("topk_weights", NpyType.Float32, "[tokens, top_k]", Optional: true)],
            [new("recv_x", NpyType.Float32, "[received, hidden]"), new("recv_src_token", NpyType.Int32, "[received]"),
             new("recv_topk_idx", NpyType.Int64, "[received, top_k] local expert ids, -1 elsewhere"),
             new("recv_topk_weights", NpyType.Float32, "[received, top_k]", WrittenWith: "topk_weights"), new("rank_offsets", NpyType.Int32, "[ranks + 1]")],
            [new("experts", "number of experts (a multiple of ranks)", "required"), new("ranks", "number of ranks", "required")],
            call =>
            {
                var (x, topk) = (call.Array<float>("x"), call.Array<long>("topk_idx"));
                var (experts, ranks) = (Required(call, "experts"), Required(call, "ranks"));
                var p = EpLayout.Permute(x, topk, call.OptionalArray<float>("topk_weights"), experts, ranks);
                var received = p.SourceToken.Length;
                var outputs = new Dictionary<string, NpyArray>
                {
                    ["recv_x"] = NpyArray.Of(p.X, received, x.Shape[1]),
                    ["recv_src_token"] = NpyArray.Of(p.SourceToken, received),
                    ["recv_topk_idx"] = NpyArray.Of(p.TopkIdx, received, topk.Shape[1]),
                    ["rank_offsets"] = NpyArray.Of(p.RankOffsets, ranks + 1),
                };
                if (p.TopkWeights is not null)
                {
                    outputs["recv_topk_weights"] = NpyArray.Of(p.TopkWeights, received, topk.Shape[1]);
                }

                return outputs;
            });
        yield return new KernelSpec(
            "ep-unpermute",
            "Combine's reduction: each token's rows summed back (times row_weights when given)",
            [new("y", NpyType.Float32, "[received, hidden]"), new("src_token", NpyType.Int32, "[received]"),
             new("row_weights", NpyType.Float32, "[received]", Optional: true)],
            [new("out", NpyType.Float32, "[tokens, hidden]")],
            [new("tokens", "number of tokens", "required")],
            call =>
            {
                var y = call.Array<float>("y");
                var tokens = Required(call, "tokens");
                var output = EpLayout.Unpermute(y, call.Array<int>("src_token"), call.OptionalArray<float>("row_weights"), tokens);
                return new Dictionary<string, NpyArray> { ["out"] = NpyArray.Of(output, tokens, y.Shape[1]) };
            });
    }

    private static int Required(KernelCall call, string name)
    {
        var value = call.Int(name, int.MinValue);
        return value != int.MinValue ? value : throw new KernelInputException($"parameter {name} is required: pass --param {name}=N");
    }
}
