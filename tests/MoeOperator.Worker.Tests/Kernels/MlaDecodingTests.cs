using MoeOperator.Worker.Kernels;
using MoeOperator.Worker.Kernels.SelfTest;

namespace MoeOperator.Worker.Tests.Kernels;

public sealed class MlaDecodingTests
{
    private static MlaInputs Inputs(int[] seqlens, int sQ, int hQ, bool causal, int seed)
    {
        var maxBlocks = Math.Max(1, seqlens.Max(s => (s + 63) / 64));
        var numBlocks = seqlens.Length * maxBlocks;
        // Shuffled pages: a kernel that ignored the block table would read other sequences' tokens.
        var blockTable = Enumerable.Range(0, numBlocks).ToArray();
        var random = new Random(seed);
        random.Shuffle(blockTable);
        return new MlaInputs(
            NdArray.Of(KernelTestData.Normal(seqlens.Length * sQ * hQ * 576, seed), seqlens.Length, sQ, hQ, 576),
            NdArray.Of(KernelTestData.Normal(numBlocks * 64 * 576, seed + 1), numBlocks, 64, 1, 576),
            NdArray.Of(blockTable, seqlens.Length, maxBlocks),
            NdArray.Of(seqlens, seqlens.Length),
            causal);
    }

    [Theory]
    [InlineData(new[] { 1 }, 1, 1, false, 1)]
    [InlineData(new[] { 130, 777, 64 }, 1, 4, false, 3)]
    [InlineData(new[] { 130, 777, 64 }, 2, 4, true, 8)]
    [InlineData(new[] { 0, 200, 3000 }, 2, 3, true, 5)]
    public void Decode_MatchesTorchFloat64Attention(int[] seqlens, int sQ, int hQ, bool causal, int parts)
    {
        var inputs = Inputs(seqlens, sQ, hQ, causal, seed: seqlens.Sum());

        var result = MlaDecoding.Decode(inputs, MlaDecoding.Schedule(seqlens, parts));
        var (expectedOut, expectedLse) = KernelReference.Mla(inputs);

        Metrics.CosineDiff(KernelTestData.Wide(result.Out), expectedOut).ShouldBeLessThan(1e-5);
        for (var i = 0; i < expectedLse.Length; i++)
        {
            if (double.IsNegativeInfinity(expectedLse[i]))
            {
                result.Lse[i].ShouldBe(float.NegativeInfinity, $"row {i} sees no token");
            }
            else
            {
                ((double)result.Lse[i]).ShouldBe(expectedLse[i], 1e-4 * Math.Max(1, Math.Abs(expectedLse[i])), $"lse row {i}");
            }
        }
    }

    [Fact]
    public void Schedule_CutsALongSequenceAcrossPartsAndCountsItsSplits()
    {
        var schedule = MlaDecoding.Schedule([5000, 64], 4);

        schedule.NumSplits[0].ShouldBe(0);
        (schedule.NumSplits[1] - schedule.NumSplits[0]).ShouldBeGreaterThan(1);
        schedule.NumSplits[^1].ShouldBeGreaterThanOrEqualTo(3);
    }

    [Fact]
    public void Decode_RefusesAScheduleWhoseMetadataIsShorterThanItsParts()
    {
        var inputs = Inputs([200, 100], 1, 2, false, seed: 2);
        var schedule = MlaDecoding.Schedule([200, 100], 2) with { Parts = 5 };

        Should.Throw<ArgumentException>(() => MlaDecoding.Decode(inputs, schedule)).Message.ShouldContain("schedule.TileMetadata has 8 elements but its shape [5, 4] needs 20");
    }

    [Fact]
    public void Decode_RefusesAScheduleMadeForOtherLengths()
    {
        var inputs = Inputs([200, 100], 1, 2, false, seed: 1);
        var error = Should.Throw<KernelException>(() => MlaDecoding.Decode(inputs, MlaDecoding.Schedule([100, 200], 2)));
        error.Error.ShouldBe(KernelError.Index);
        error.Message.ShouldContain("recompute");
    }
}
