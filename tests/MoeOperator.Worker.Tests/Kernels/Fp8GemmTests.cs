using MoeOperator.Worker.Kernels;
using MoeOperator.Worker.Kernels.SelfTest;

namespace MoeOperator.Worker.Tests.Kernels;

public sealed class Fp8GemmTests
{
    [Theory]
    [InlineData(1, 128, 128)]
    [InlineData(7, 300, 256)]
    [InlineData(64, 256, 640)]
    [InlineData(129, 130, 384)]
    public void Multiply_MatchesTheTorchFloat64ProductOfTheDequantisedInputs(int m, int n, int k)
    {
        var a = Fp8.QuantizePerToken(KernelTestData.Normal(m * k, seed: 1, scale: 2), m, k);
        var b = Fp8.QuantizePerBlock(KernelTestData.Normal(n * k, seed: 2, scale: 0.05), n, k);

        var d = KernelTestData.Wide(Fp8Gemm.Multiply(a, b));
        var expected = KernelReference.Gemm(a, b);

        Metrics.CalcDiff(d, expected).ShouldBeLessThan(1e-3);
        var scale = expected.Max(Math.Abs);
        for (var i = 0; i < d.Length; i++)
        {
            Math.Abs(d[i] - expected[i]).ShouldBeLessThan(1e-5 * scale * Math.Sqrt(k), $"element {i}");
        }
    }

    [Fact]
    public void GroupedContiguous_UsesEachRowsGroupAndZeroesPadding()
    {
        const int n = 256, k = 256, groups = 3;
        var weights = Fp8GroupedWeights.Quantize(KernelTestData.Normal(groups * n * k, seed: 3, scale: 0.05), groups, n, k);
        var groupOfRow = Enumerable.Repeat(-1, 384).ToArray();
        Array.Fill(groupOfRow, 2, 0, 90);
        Array.Fill(groupOfRow, 0, 128, 200);
        var a = Fp8.QuantizePerToken(KernelTestData.Normal(384 * k, seed: 4), 384, k);

        var d = Fp8Gemm.GroupedContiguous(a, weights, NdArray.Of(groupOfRow, 384));

        var expected = new double[groups][];
        for (var g = 0; g < groups; g++)
        {
            expected[g] = KernelReference.Gemm(a, weights.Group(g));
        }

        for (var row = 0; row < 384; row++)
        {
            var reference = groupOfRow[row] < 0 ? new double[n] : expected[groupOfRow[row]].AsSpan(row * n, n).ToArray();
            var actual = KernelTestData.Wide(d.AsSpan(row * n, n).ToArray());
            if (groupOfRow[row] < 0)
            {
                actual.ShouldAllBe(v => v == 0, $"padding row {row}");
            }
            else
            {
                Metrics.CalcDiff(actual, reference).ShouldBeLessThan(1e-6, $"row {row}");
            }
        }
    }

    [Fact]
    public void GroupedContiguous_ReportsASegmentThatDoesNotStartOnA128RowBoundary()
    {
        var weights = Fp8GroupedWeights.Quantize(KernelTestData.Normal(2 * 128 * 128, seed: 5), 2, 128, 128);
        var a = Fp8.QuantizePerToken(KernelTestData.Normal(256 * 128, seed: 6), 256, 128);
        var groupOfRow = Enumerable.Range(0, 256).Select(r => r < 100 ? 0 : 1).ToArray();

        var error = Should.Throw<KernelException>(() => Fp8Gemm.GroupedContiguous(a, weights, NdArray.Of(groupOfRow, 256)));

        error.Error.ShouldBe(KernelError.Alignment);
        error.Message.ShouldContain("mix groups 0 and 1");
    }

    [Fact]
    public void GroupedMasked_ComputesValidRowsOfEachGroupOnly()
    {
        const int groups = 2, mMax = 32, n = 128, k = 256;
        var weights = Fp8GroupedWeights.Quantize(KernelTestData.Normal(groups * n * k, seed: 7, scale: 0.05), groups, n, k);
        var a = Fp8.QuantizePerToken(KernelTestData.Normal(groups * mMax * k, seed: 8), groups * mMax, k);
        int[] maskedM = [5, 32];

        var d = Fp8Gemm.GroupedMasked(a.Reshape(groups, mMax, k), weights, NdArray.Of(maskedM, groups));

        for (var g = 0; g < groups; g++)
        {
            var expected = KernelReference.Gemm(a, weights.Group(g));
            for (var i = 0; i < mMax; i++)
            {
                var row = (g * mMax) + i;
                var actual = KernelTestData.Wide(d.AsSpan(row * n, n).ToArray());
                if (i >= maskedM[g])
                {
                    actual.ShouldAllBe(v => v == 0, $"masked row {row}");
                }
                else
                {
                    Metrics.CalcDiff(actual, expected.AsSpan(row * n, n).ToArray()).ShouldBeLessThan(1e-6, $"row {row}");
                }
            }
        }

        Should.Throw<KernelException>(() => Fp8Gemm.GroupedMasked(a.Reshape(groups, mMax, k), weights, NdArray.Of<int>([33, 0], 2))).Message.ShouldContain("masked_m[0] is 33");
    }

    [Fact]
    public void MultiplyIntoABuffer_OverwritesEveryElement_AndRefusesABufferOfTheWrongSize()
    {
        var a = Fp8.QuantizePerToken(KernelTestData.Normal(3 * 256, seed: 3, scale: 1), 3, 256);
        var b = Fp8.QuantizePerBlock(KernelTestData.Normal(130 * 256, seed: 4, scale: 0.1), 130, 256);
        var d = Enumerable.Repeat(float.NaN, 3 * 130).ToArray();

        Fp8Gemm.Multiply(a, b, d);

        d.ShouldBe(Fp8Gemm.Multiply(a, b), "the same product, with nothing left of what the buffer held");
        var error = Should.Throw<ArgumentException>(() => Fp8Gemm.Multiply(a, b, new float[3 * 129]));
        error.Message.ShouldContain("d has 387 elements but its shape [3, 130] needs 390");
    }

    [Fact]
    public void Multiply_RefusesOperandsWithDifferentK()
    {
        var a = Fp8.QuantizePerToken(new float[128], 1, 128);
        var b = Fp8.QuantizePerBlock(new float[256], 1, 256);
        Should.Throw<KernelInputException>(() => Fp8Gemm.Multiply(a, b)).Message.ShouldContain("a has k = 128 but b has k = 256");
        Should.Throw<KernelInputException>(() => Fp8Gemm.Multiply(a, a)).Message.ShouldContain("b must be scaled PerBlock");
    }
}
