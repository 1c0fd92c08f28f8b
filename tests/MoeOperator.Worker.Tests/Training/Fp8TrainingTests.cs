using System.Runtime.InteropServices;
using MoeOperator.Contract;
using MoeOperator.Worker.Kernels;
using MoeOperator.Worker.Moe;
using MoeOperator.Worker.Tensors;
using MoeOperator.Worker.Training.Model;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Tests.Training;

/// <summary>FP8 experts in training: the EPGroup worker's FP8 arithmetic forward, gradients straight through the rounding.</summary>
public sealed class Fp8TrainingTests
{
    [Fact]
    public void AnFp8TrainingExpert_ComputesWhatTheEpGroupWorkersFp8ExpertComputes()
    {
        TorchRuntime.EnsureLoaded();
        using var generator = new Generator(5UL);
        using var fp8 = new FeedForward(128, 256, ScalarType.Float32, ExpertPrecision.FP8);
        using var fp32 = new FeedForward(128, 256, ScalarType.Float32);
        using (no_grad())
        {
            foreach (var (name, parameter) in fp8.named_parameters())
            {
                parameter.copy_(randn(parameter.shape, generator: generator).Times(0.05));
            }

            fp32.load_state_dict(fp8.state_dict());
        }

        var weights = fp8.named_parameters().ToDictionary(p => p.name, p => Floats(p.parameter));
        using var x = randn([6, 128], generator: generator);
        var expected = new float[6 * 128];
        new Fp8ExpertWeights(weights["w1.weight"], weights["w3.weight"], weights["w2.weight"], hidden: 128, intermediate: 256).Forward(Floats(x), 6, expected);

        using var actual = fp8.forward(x);
        using var exact = fp32.forward(x);

        var scale = expected.Max(MathF.Abs);
        var worst = expected.Zip(Floats(actual), (e, a) => MathF.Abs(e - a)).Max();
        (worst / scale).ShouldBeLessThan(0.02f, "the same e4m3 rounding of inputs and weights as the serving expert (summation order aside)");
        var fromExact = Floats(exact).Zip(Floats(actual), (e, a) => MathF.Abs(e - a)).Max();
        (fromExact / scale).ShouldBeGreaterThan(1e-4f, "FP8 rounding changes the result: the FP8 path really ran");
    }

    [Fact]
    public void TheRounding_IsTheServingQuantisation_AndPassesGradientsStraightThrough()
    {
        TorchRuntime.EnsureLoaded();
        using var generator = new Generator(9UL);
        using var x = randn([3, 256], generator: generator).requires_grad_(true);

        using var rounded = Fp8Rounding.PerToken(x);
        rounded.sum().backward();

        var expected = Fp8.Dequantize(Fp8.QuantizePerToken(Floats(x), 3, 256));
        Floats(rounded).ShouldBe(expected, "values are the serving path's dequantised FP8");
        Floats(x.grad!).ShouldAllBe(g => g == 1f, "d(sum)/dx is one everywhere: the rounding is transparent to gradients");
    }

    private static float[] Floats(Tensor t)
    {
        using var dense = t.detach().to_type(ScalarType.Float32).contiguous();
        return MemoryMarshal.Cast<byte, float>(dense.bytes).ToArray();
    }
}
