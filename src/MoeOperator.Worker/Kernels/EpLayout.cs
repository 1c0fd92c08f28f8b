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
    public static DispatchLayout Compute(ReadOnlySpan<long> topkIdx, int topK, int experts, int ranks)
    {
        var tokens = Tokens(topkIdx, topK);
        var layout = new DispatchLayout(new int[ranks], new int[experts], new byte[tokens * ranks]);
        fixed (long* topk = topkIdx)
        fixed (int* perRank = layout.TokensPerRank, perExpert = layout.TokensPerExpert)
        fixed (byte* inRank = layout.IsTokenInRank)
        {
            Native.Check(NativeMethods.EpDispatchLayout(topk, tokens, topK, experts, ranks, perRank, perExpert, inRank), "ep dispatch layout");
        }

        return layout;
    }

    /// <summary>Copies each token to every rank holding one of its experts; x is [tokens, hidden].</summary>
    public static PermutedTokens Permute(ReadOnlySpan<float> x, ReadOnlySpan<long> topkIdx, ReadOnlySpan<float> topkWeights, int hidden, int topK, int experts, int ranks)
    {
        var tokens = Tokens(topkIdx, topK);
        Shapes.Positive(hidden, nameof(hidden));
        Shapes.Length(x, (long)tokens * hidden, nameof(x), $"[{tokens}, {hidden}]");
        var weighted = !topkWeights.IsEmpty;
        if (weighted)
        {
            Shapes.Length(topkWeights, topkIdx.Length, nameof(topkWeights), $"[{tokens}, {topK}]");
        }

        var received = Compute(topkIdx, topK, experts, ranks).TokensPerRank.Sum();
        var result = new PermutedTokens(
            new float[received * hidden], new int[received], new long[received * topK], weighted ? new float[received * topK] : null, new int[ranks + 1]);
        fixed (float* input = x, weights = topkWeights, recvX = result.X, recvWeights = result.TopkWeights)
        fixed (long* topk = topkIdx, recvTopk = result.TopkIdx)
        fixed (int* source = result.SourceToken, offsets = result.RankOffsets)
        {
            Native.Check(
                NativeMethods.EpPermute(
                    input, topk, weighted ? weights : null, tokens, hidden, topK, experts, ranks, received, recvX, source, recvTopk,
                    weighted ? recvWeights : null, offsets),
                "ep permute");
        }

        return result;
    }

    /// <summary>Combine: out[t] = sum of rowWeights[r] * y[r] over the rows from token t (weights empty means 1).</summary>
    public static float[] Unpermute(ReadOnlySpan<float> y, ReadOnlySpan<int> sourceToken, ReadOnlySpan<float> rowWeights, int hidden, int tokens)
    {
        Shapes.Positive(hidden, nameof(hidden));
        if (tokens < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(tokens), tokens, "tokens must not be negative");
        }

        Shapes.Length(y, (long)sourceToken.Length * hidden, nameof(y), $"[{sourceToken.Length}, {hidden}]");
        if (!rowWeights.IsEmpty)
        {
            Shapes.Length(rowWeights, sourceToken.Length, nameof(rowWeights), $"[{sourceToken.Length}]");
        }

        var output = new float[tokens * hidden];
        fixed (float* rows = y, weights = rowWeights, o = output)
        fixed (int* source = sourceToken)
        {
            Native.Check(NativeMethods.EpUnpermute(rows, source, rowWeights.IsEmpty ? null : weights, sourceToken.Length, hidden, tokens, o), "ep unpermute");
        }

        return output;
    }

    private static int Tokens(ReadOnlySpan<long> topkIdx, int topK)
    {
        Shapes.Positive(topK, nameof(topK));
        if (topkIdx.Length % topK != 0)
        {
            throw new ArgumentException($"topkIdx has {topkIdx.Length} entries, not a multiple of topK = {topK}", nameof(topkIdx));
        }

        return topkIdx.Length / topK;
    }
}
