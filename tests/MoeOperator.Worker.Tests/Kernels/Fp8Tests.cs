using MoeOperator.Worker.Kernels;

namespace MoeOperator.Worker.Tests.Kernels;

public sealed class Fp8Tests
{
    [Fact]
    public void Decode_AgreesWithTheFormatDefinitionForAll256Codes()
    {
        for (var code = 0; code < 256; code++)
        {
            var expected = KernelReference.E4m3((byte)code);
            var actual = Fp8.Decode((byte)code);
            if (double.IsNaN(expected))
            {
                float.IsNaN(actual).ShouldBeTrue($"code {code}");
            }
            else
            {
                ((double)actual).ShouldBe(expected, $"code {code}");
                Fp8.Encode(actual).ShouldBe((byte)code, $"code {code} survives a round trip");
            }
        }
    }

    [Theory]
    [InlineData(1, 128)]
    [InlineData(5, 384)]
    [InlineData(130, 256)]
    public void QuantizePerToken_ScalesEachTokenBlockByItsAmaxAndRoundTripsWithinHalfAStep(int m, int k)
    {
        var x = KernelTestData.Normal(m * k, seed: m + k, scale: 3);
        var q = Fp8.QuantizePerToken(x, m, k);
        var back = Fp8.Dequantize(q);
        for (var r = 0; r < m; r++)
        {
            for (var block = 0; block < k / 128; block++)
            {
                var amax = Enumerable.Range(block * 128, 128).Max(c => Math.Abs(x[(r * k) + c]));
                q.Scales.Data[(r * (k / 128)) + block].ShouldBe(Math.Max(amax, 1e-4f) / 448f);
            }
        }

        for (var i = 0; i < x.Length; i++)
        {
            var scale = q.Scales.Data[i / 128];
            ((double)Math.Abs(back[i] - x[i])).ShouldBeLessThanOrEqualTo((Math.Abs(x[i]) / 16.0) + (scale / 512.0 * 1.01), $"element {i}");
        }
    }

    [Fact]
    public void QuantizePerBlock_GivesOneScalePer128By128BlockIncludingAShortLastRowBlock()
    {
        var w = KernelTestData.Normal(200 * 256, seed: 4, scale: 0.02);
        var q = Fp8.QuantizePerBlock(w, 200, 256);
        q.Scales.Shape.ShouldBe([2L, 2L]);
        var amax = Enumerable.Range(128, 72).SelectMany(r => Enumerable.Range(128, 128).Select(c => Math.Abs(w[(r * 256) + c]))).Max();
        q.Scales.Data[3].ShouldBe(amax / 448f);
        KernelReference.Dequantize(q).Select(v => (float)v).ShouldBe(Fp8.Dequantize(q));
    }

    [Fact]
    public void Quantize_RejectsAKThatIsNotAMultipleOf128WithTheFix()
    {
        var error = Should.Throw<KernelInputException>(() => Fp8.QuantizePerToken(new float[200], 1, 200));
        error.Message.ShouldContain("x [m, k] is [1, 200]");
        error.Message.ShouldContain("pad k to 256");
        Should.Throw<ArgumentException>(() => Fp8.QuantizePerToken(new float[100], 1, 128)).Message.ShouldContain("needs 128");
    }
}
