using MoeOperator.Worker.Tensors;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Moe;

/// <summary>
/// The layer's weights, generated from a seed so every rank (and a test's reference) derives the same values
/// without a checkpoint: the gate [experts, hidden] and each logical expert's SwiGLU FFN.
/// </summary>
public static class ModelWeights
{
    public static Tensor Gate(long seed, MoeShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        using var generator = new Generator((ulong)seed * 7919UL + 1UL);
        return randn(shape.Experts, shape.Hidden, ScalarType.Float32, generator: generator).DividedBy(Math.Sqrt(shape.Hidden));
    }

    public static ExpertFfn Expert(long seed, int expert, MoeShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        using var generator = new Generator(((ulong)seed * 1_000_003UL) + (ulong)expert + 17UL);
        var up = randn(shape.Intermediate, shape.Hidden, ScalarType.Float32, generator: generator).DividedBy(Math.Sqrt(shape.Hidden));
        var gate = randn(shape.Intermediate, shape.Hidden, ScalarType.Float32, generator: generator).DividedBy(Math.Sqrt(shape.Hidden));
        var down = randn(shape.Hidden, shape.Intermediate, ScalarType.Float32, generator: generator).DividedBy(Math.Sqrt(shape.Intermediate));
        return new ExpertFfn(expert, gate, up, down, shape.Precision);
    }
}
