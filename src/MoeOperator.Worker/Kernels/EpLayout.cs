namespace MoeOperator.Worker.Kernels;

/// <summary>Where a batch's tokens go: tokens per rank [ranks], per expert [experts], and is_token_in_rank [tokens, ranks] (0 or 1).</summary>
public sealed record DispatchLayout(int[] TokensPerRank, int[] TokensPerExpert, byte[] IsTokenInRank);

/// <summary>Dispatch's output on the sending side: rows for every rank, rank after rank.</summary>
/// <param name="X">[received, hidden]</param>
/// <param name="SourceToken">[received]: the token each row came from.</param>
/// <param name="TopkIdx">[received, topK]: local expert ids of the receiving rank, -1 elsewhere.</param>
/// <param name="TopkWeights">[received, topK]: 0 where the expert lives elsewhere; null when no weights were given.</param>
/// <param name="RankOffsets">[ranks + 1]: rank r's rows are RankOffsets[r]..RankOffsets[r + 1].</param>
public sealed record PermutedTokens(float[] X, int[] SourceToken, long[] TopkIdx, float[]? TopkWeights, int[] RankOffsets);

/// <summary>Expert-parallel layout, dispatch permutation and combine reduction (moe_ep.h).</summary>
public static unsafe class EpLayout
{
    private const string TopkLayout = "[tokens, top_k]";

    /// <summary>Tokens per rank and per expert, and which ranks each token of topk_idx [tokens, top_k] goes to.</summary>
    public static DispatchLayout Compute(NdArray<long> topkIdx, int experts, int ranks)
    {
        var (tokens, topK) = Topk(topkIdx);
        var layout = new DispatchLayout(new int[ranks], new int[experts], new byte[tokens * ranks]);
        fixed (long* topk = topkIdx.Data)
        fixed (int* perRank = layout.TokensPerRank, perExpert = layout.TokensPerExpert)
        fixed (byte* inRank = layout.IsTokenInRank)
        {
            Native.Check(NativeMethods.EpDispatchLayout(topk, tokens, topK, experts, ranks, perRank, perExpert, inRank), "ep dispatch layout");
        }

        return layout;
    }

    /// <summary>Copies each token of x [tokens, hidden] to every rank holding one of its experts; topk_weights [tokens, top_k] is optional.</summary>
    public static PermutedTokens Permute(NdArray<float> x, NdArray<long> topkIdx, NdArray<float>? topkWeights, int experts, int ranks)
    {
        var (tokens, topK) = Topk(topkIdx);
        var hidden = InputShapes.Dims(x, "x", "[tokens, hidden]", 2)[1];
        InputShapes.Positive(x, "x", "[tokens, hidden]", "hidden", hidden);
        InputShapes.Require(x, "x", $"[tokens, hidden] with tokens = {tokens} from topk_idx", tokens, hidden);
        if (topkWeights is not null)
        {
            InputShapes.Require(topkWeights, "topk_weights", $"{TopkLayout} like topk_idx", tokens, topK);
        }

        var received = Compute(topkIdx, experts, ranks).TokensPerRank.Sum();
        var h = (int)hidden;
        var result = new PermutedTokens(
            new float[received * h], new int[received], new long[received * topK], topkWeights is null ? null : new float[received * topK], new int[ranks + 1]);
        fixed (float* input = x.Data, weights = topkWeights?.Data, recvX = result.X, recvWeights = result.TopkWeights)
        fixed (long* topk = topkIdx.Data, recvTopk = result.TopkIdx)
        fixed (int* source = result.SourceToken, offsets = result.RankOffsets)
        {
            Native.Check(
                NativeMethods.EpPermute(
                    input, topk, topkWeights is null ? null : weights, tokens, h, topK, experts, ranks, received, recvX, source, recvTopk,
                    topkWeights is null ? null : recvWeights, offsets),
                "ep permute");
        }

        return result;
    }

    /// <summary>Combine: out [tokens, hidden], out[t] = sum of row_weights[r] * y[r] over the rows r with src_token[r] = t (no weights means 1).</summary>
    public static float[] Unpermute(NdArray<float> y, NdArray<int> sourceToken, NdArray<float>? rowWeights, int tokens)
    {
        if (tokens < 0)
        {
            throw new KernelInputException($"tokens must not be negative, got {tokens}");
        }

        var received = InputShapes.Dims(sourceToken, "src_token", "[received]", 1)[0];
        var hidden = InputShapes.Dims(y, "y", "[received, hidden]", 2)[1];
        InputShapes.Positive(y, "y", "[received, hidden]", "hidden", hidden);
        InputShapes.Require(y, "y", $"[received, hidden] with received = {received} from src_token", received, hidden);
        if (rowWeights is not null)
        {
            InputShapes.Require(rowWeights, "row_weights", "[received] like src_token", received);
        }

        var output = new float[tokens * hidden];
        fixed (float* rows = y.Data, weights = rowWeights?.Data, o = output)
        fixed (int* source = sourceToken.Data)
        {
            Native.Check(NativeMethods.EpUnpermute(rows, source, rowWeights is null ? null : weights, (int)received, (int)hidden, tokens, o), "ep unpermute");
        }

        return output;
    }

    private static (int Tokens, int TopK) Topk(NdArray<long> topkIdx)
    {
        var shape = InputShapes.Dims(topkIdx, "topk_idx", TopkLayout, 2);
        InputShapes.Positive(topkIdx, "topk_idx", TopkLayout, "top_k", shape[1]);
        return (InputShapes.Int(shape[0], "tokens"), InputShapes.Int(shape[1], "top_k"));
    }
}
