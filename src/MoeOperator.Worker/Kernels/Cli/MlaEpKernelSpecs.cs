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
            [new("out", NpyType.Float32, "[batch, s_q, h_q, 512]"), new("lse", NpyType.Float32, "[batch, h_q, s_q]")],
            [new("causal", "1 masks each query to the tokens before it among the last s_q", "0"),
             new("softmax-scale", "scale of q.k; 0 means 1/sqrt(576)", "0"),
             new("parts", "split-KV partitions (compute units)", "number of threads")],
            call =>
            {
                var q = call.Input("q").Dims("q", 4, "[batch, s_q, h_q, 576]");
                call.Input("k_cache").Dims("k_cache", 4, "[num_blocks, 64, 1, 576]");
                var seqlens = call.Input("cache_seqlens").Ints("cache_seqlens");
                var inputs = new MlaInputs(
                    call.Input("q").Floats("q"), call.Input("k_cache").Floats("k_cache"), call.Input("block_table").Ints("block_table"),
                    seqlens, q[0], q[1], q[2], call.Int("causal", 0) != 0);
                var result = MlaDecoding.Decode(inputs, MlaDecoding.Schedule(seqlens, call.Int("parts", Native.Threads)), call.Float("softmax-scale", 0));
                return new Dictionary<string, NpyArray>
                {
                    ["out"] = NpyArray.Of(result.Out, q[0], q[1], q[2], MlaInputs.ValueDim),
                    ["lse"] = NpyArray.Of(result.Lse, q[0], q[2], q[1]),
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
                var dims = call.Input("topk_idx").Dims("topk_idx", 2, "[tokens, top_k]");
                var (experts, ranks) = (Required(call, "experts"), Required(call, "ranks"));
                var layout = EpLayout.Compute(call.Input("topk_idx").Longs("topk_idx"), dims[1], experts, ranks);
                return new Dictionary<string, NpyArray>
                {
                    ["tokens_per_rank"] = NpyArray.Of(layout.TokensPerRank, ranks),
                    ["tokens_per_expert"] = NpyArray.Of(layout.TokensPerExpert, experts),
                    ["is_token_in_rank"] = NpyArray.Of(layout.IsTokenInRank, dims[0], ranks),
                };
            });
        yield return new KernelSpec(
            "ep-permute",
            "Dispatch's permutation: each token copied to every rank that holds one of its experts, rank after rank",
            [new("x", NpyType.Float32, "[tokens, hidden]"), new("topk_idx", NpyType.Int64, "[tokens, top_k]"),
             new("topk_weights", NpyType.Float32, "[tokens, top_k]", Optional: true)],
            [new("recv_x", NpyType.Float32, "[received, hidden]"), new("recv_src_token", NpyType.Int32, "[received]"),
             new("recv_topk_idx", NpyType.Int64, "[received, top_k] local expert ids, -1 elsewhere"),
             new("recv_topk_weights", NpyType.Float32, "[received, top_k] (when topk_weights is given)"), new("rank_offsets", NpyType.Int32, "[ranks + 1]")],
            [new("experts", "number of experts (a multiple of ranks)", "required"), new("ranks", "number of ranks", "required")],
            call =>
            {
                var x = call.Input("x").Dims("x", 2, "[tokens, hidden]");
                var topk = call.Input("topk_idx").Dims("topk_idx", 2, "[tokens, top_k]");
                var (experts, ranks) = (Required(call, "experts"), Required(call, "ranks"));
                var weights = call.OptionalInput("topk_weights")?.Floats("topk_weights") ?? [];
                var p = EpLayout.Permute(call.Input("x").Floats("x"), call.Input("topk_idx").Longs("topk_idx"), weights, x[1], topk[1], experts, ranks);
                var received = p.SourceToken.Length;
                var outputs = new Dictionary<string, NpyArray>
                {
                    ["recv_x"] = NpyArray.Of(p.X, received, x[1]),
                    ["recv_src_token"] = NpyArray.Of(p.SourceToken, received),
                    ["recv_topk_idx"] = NpyArray.Of(p.TopkIdx, received, topk[1]),
                    ["rank_offsets"] = NpyArray.Of(p.RankOffsets, ranks + 1),
                };
                if (p.TopkWeights is not null)
                {
                    outputs["recv_topk_weights"] = NpyArray.Of(p.TopkWeights, received, topk[1]);
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
                var y = call.Input("y").Dims("y", 2, "[received, hidden]");
                var tokens = Required(call, "tokens");
                var weights = call.OptionalInput("row_weights")?.Floats("row_weights") ?? [];
                var output = EpLayout.Unpermute(call.Input("y").Floats("y"), call.Input("src_token").Ints("src_token"), weights, y[1], tokens);
                return new Dictionary<string, NpyArray> { ["out"] = NpyArray.Of(output, tokens, y[1]) };
            });
    }

    private static int Required(KernelCall call, string name)
    {
        var value = call.Int(name, int.MinValue);
        return value != int.MinValue ? value : throw new KernelInputException($"parameter {name} is required: pass --param {name}=N");
    }
}
