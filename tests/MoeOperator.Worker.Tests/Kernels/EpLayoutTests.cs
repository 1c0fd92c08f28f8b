using MoeOperator.Worker.Kernels;

namespace MoeOperator.Worker.Tests.Kernels;

public sealed class EpLayoutTests
{
    private static long[] Routing(int tokens, int topK, int experts, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, tokens).SelectMany(_ =>
            Enumerable.Range(0, experts).OrderBy(_ => random.Next()).Take(topK).Select(e => random.Next(6) == 0 ? -1L : e))];
    }

    [Theory]
    [InlineData(200, 8, 64, 8)]
    [InlineData(33, 2, 6, 3)]
    public void Compute_MatchesTheTorchLayout(int tokens, int topK, int experts, int ranks)
    {
        var topk = Routing(tokens, topK, experts, seed: tokens);

        var layout = EpLayout.Compute(NdArray.Of(topk, tokens, topK), experts, ranks);
        var expected = KernelReference.EpLayout(topk, topK, experts, ranks);

        layout.TokensPerRank.ShouldBe(expected.TokensPerRank);
        layout.TokensPerExpert.ShouldBe(expected.TokensPerExpert);
        layout.IsTokenInRank.ShouldBe(expected.IsTokenInRank);
    }

    [Fact]
    public void PermuteThenUnpermute_ReturnsEachTokenOncePerRankItVisited()
    {
        const int tokens = 40, hidden = 16, topK = 4, experts = 16, ranks = 4;
        var topk = Routing(tokens, topK, experts, seed: 9);
        var weights = KernelTestData.Normal(tokens * topK, seed: 10);
        var x = KernelTestData.Normal(tokens * hidden, seed: 11);
        var layout = EpLayout.Compute(NdArray.Of(topk, tokens, topK), experts, ranks);

        var permuted = EpLayout.Permute(NdArray.Of(x, tokens, hidden), NdArray.Of(topk, tokens, topK), NdArray.Of(weights, tokens, topK), experts, ranks);
        var received = permuted.SourceToken.Length;
        var combined = EpLayout.Unpermute(NdArray.Of(permuted.X, received, hidden), NdArray.Of(permuted.SourceToken, received), null, tokens);

        permuted.RankOffsets[^1].ShouldBe(layout.TokensPerRank.Sum());
        for (var rank = 0; rank < ranks; rank++)
        {
            for (var row = permuted.RankOffsets[rank]; row < permuted.RankOffsets[rank + 1]; row++)
            {
                var token = permuted.SourceToken[row];
                layout.IsTokenInRank[(token * ranks) + rank].ShouldBe((byte)1);
                for (var j = 0; j < topK; j++)
                {
                    var expert = topk[(token * topK) + j];
                    var local = expert >= 0 && expert / (experts / ranks) == rank;
                    permuted.TopkIdx[(row * topK) + j].ShouldBe(local ? expert % (experts / ranks) : -1);
                    permuted.TopkWeights![(row * topK) + j].ShouldBe(local ? weights[(token * topK) + j] : 0f);
                }
            }
        }

        for (var t = 0; t < tokens; t++)
        {
            var copies = Enumerable.Range(0, ranks).Sum(r => layout.IsTokenInRank[(t * ranks) + r]);
            for (var d = 0; d < hidden; d++)
            {
                combined[(t * hidden) + d].ShouldBe(copies * x[(t * hidden) + d], 1e-5);
            }
        }
    }

    [Fact]
    public void Compute_NamesAnExpertIdOutOfRange()
    {
        var error = Should.Throw<KernelException>(() => EpLayout.Compute(NdArray.Of<long>([0, 9], 1, 2), 8, 2));
        error.Error.ShouldBe(KernelError.Index);
        error.Message.ShouldContain("topk_idx[0, 1] is 9");
    }
}
