using System.Collections;
using MoeOperator.Contract;
using MoeOperator.Worker.Ep;
using MoeOperator.Worker.Moe;
using MoeOperator.Worker.Tensors;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Tests;

/// <summary>FP8 experts: the SwiGLU FFN through the native FP8 GEMM, against float64 math on the float32 weights.</summary>
public sealed class Fp8ExpertTests
{
    private static readonly MoeShape _shape = new(256, 384, 4, 1, 1, 2, ExpertPrecision.FP8);

    [Fact]
    public void Fp8Expert_MatchesTheFloat64SwiGluOfItsFloatWeights_WithinFp8Error()
    {
        TorchRuntime.EnsureLoaded();
        using var fp8 = ModelWeights.Expert(seed: 5, expert: 2, _shape);
        using var fp32 = ModelWeights.Expert(seed: 5, expert: 2, _shape with { Precision = ExpertPrecision.FP32 });
        fp8.Precision.ShouldBe(ExpertPrecision.FP8);
        const int rows = 19;
        var generator = new Random(3);
        var x = Enumerable.Range(0, rows * _shape.Hidden).Select(_ => (float)((generator.NextDouble() * 2) - 1)).ToArray();

        using var input = tensor(x, [rows, _shape.Hidden]);
        using var fp8Out = fp8.Forward(input);
        using var fp32Out = fp32.Forward(input);

        var (w1, w3, w2) = (Weights.Matrix(fp8.GateWeight), Weights.Matrix(fp8.UpWeight), Weights.Matrix(fp8.DownWeight));
        var expected = new List<double>();
        for (var r = 0; r < rows; r++)
        {
            expected.AddRange(SwiGlu(x.AsSpan(r * _shape.Hidden, _shape.Hidden), w1, w3, w2));
        }

        fp8Out.shape.ShouldBe([rows, _shape.Hidden]);
        var actual = fp8Out.data<float>().ToArray().Select(v => (double)v).ToList();
        var exact = fp32Out.data<float>().ToArray().Select(v => (double)v).ToList();
        expected.Max(Math.Abs).ShouldBeGreaterThan(1e-2, "an expert that outputs zeros would match nothing");
        // Three GEMMs on e4m3 inputs (3 significant bits): DeepGEMM's bound for one GEMM is calc_diff < 1e-3.
        ReferenceMoe.CalcDiff(actual, expected).ShouldBeLessThan(3e-3);
        ReferenceMoe.CalcDiff(actual, expected).ShouldBeGreaterThan(1e-6, "FP8 rounding shows: the float32 path did not run instead");
        ReferenceMoe.CalcDiff(exact, expected).ShouldBeLessThan(1e-9, "the float32 expert is the same FFN");
    }

    [Fact]
    public void Fp8Expert_WithNoRows_ReturnsNoRows_AndRefusesRowsThatAreNotFloat32()
    {
        TorchRuntime.EnsureLoaded();
        using var expert = ModelWeights.Expert(seed: 5, expert: 0, _shape);
        using var none = zeros(0, _shape.Hidden);
        using var output = expert.Forward(none);
        output.shape.ShouldBe([0, _shape.Hidden]);
        using var doubles = zeros(2, _shape.Hidden, ScalarType.Float64);
        Should.Throw<ArgumentException>(() => expert.Forward(doubles)).Message.ShouldContain("takes float32 rows, got Float64");
    }

    [Theory]
    [InlineData(200, 256, "hidden size (200) to be a multiple of 128")]
    [InlineData(256, 100, "intermediate size (100) to be a multiple of 128")]
    public void Fp8Shapes_NeedMultiplesOf128(int hidden, int intermediate, string message) =>
        new MoeShape(hidden, intermediate, 4, 1, 1, 2, ExpertPrecision.FP8).Problem().ShouldNotBeNull().ShouldContain(message);

    [Fact]
    public void Settings_ReadTheExpertPrecision_AndNameABadOne()
    {
        var environment = new Hashtable
        {
            ["MOE_HIDDEN_SIZE"] = "256",
            ["MOE_EXPERTS"] = "4",
            ["MOE_TOPK"] = "2",
            ["MOE_WORLD_SIZE"] = "1",
            ["MOE_RANKS_PER_NODE"] = "1",
            ["MOE_MASTER_ADDR"] = "127.0.0.1",
            ["MOE_MASTER_PORT"] = "1234",
        };
        EpSettings.From(environment, null).Shape.Precision.ShouldBe(ExpertPrecision.FP32, "float32 unless asked");

        environment["MOE_EXPERT_PRECISION"] = "fp8";
        EpSettings.From(environment, null).Shape.Precision.ShouldBe(ExpertPrecision.FP8);

        environment["MOE_EXPERT_PRECISION"] = "1";
        Should.Throw<WorkerConfigurationException>(() => EpSettings.From(environment, null)).Message.ShouldBe("MOE_EXPERT_PRECISION=1 is not one of FP32, FP8");

        environment["MOE_EXPERT_PRECISION"] = "FP8";
        Should.Throw<WorkerConfigurationException>(() => EpSettings.From(environment, 200)).Message.ShouldContain("intermediate size (200) to be a multiple of 128");
    }

    private static double[] SwiGlu(ReadOnlySpan<float> x, double[,] gate, double[,] up, double[,] down)
    {
        var intermediate = gate.GetLength(0);
        var hidden = gate.GetLength(1);
        var inner = new double[intermediate];
        for (var i = 0; i < intermediate; i++)
        {
            double g = 0, u = 0;
            for (var h = 0; h < hidden; h++)
            {
                g += gate[i, h] * x[h];
                u += up[i, h] * x[h];
            }

            inner[i] = g / (1.0 + Math.Exp(-g)) * u;
        }

        var output = new double[hidden];
        for (var h = 0; h < hidden; h++)
        {
            for (var i = 0; i < intermediate; i++)
            {
                output[h] += down[h, i] * inner[i];
            }
        }

        return output;
    }
}
