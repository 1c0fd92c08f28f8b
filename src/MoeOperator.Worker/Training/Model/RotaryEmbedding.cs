using MoeOperator.Worker.Tensors;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Model;

/// <summary>
/// RoPE as DeepSeek-V3 applies it: adjacent pairs (x[2i], x[2i+1]) are one complex number, rotated by
/// position * theta^(-2i/d).
/// </summary>
internal static class RotaryEmbedding
{
    /// <summary>cos and sin of the angles, each [seq, dim/2].</summary>
    public static (Tensor Cos, Tensor Sin) Angles(int sequence, int dim, double theta, ScalarType dtype)
    {
        // Computed here rather than with arange and pow: each of those would take numbers as short-lived Scalars.
        var half = dim / 2;
        var angles = new double[sequence * half];
        for (var i = 0; i < half; i++)
        {
            var frequency = Math.Pow(theta, -2.0 * i / dim);
            for (var position = 0; position < sequence; position++)
            {
                angles[(position * half) + i] = position * frequency;
            }
        }

        using var table = tensor(angles, [sequence, half]);
        return (table.cos().to_type(dtype), table.sin().to_type(dtype));
    }

    /// <summary>Rotates x [batch, seq, heads, dim] by the angles [seq, dim/2].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        var shape = x.shape;
        var pairs = x.reshape([.. shape[..^1], shape[^1] / 2, 2]);
        var real = pairs.select(-1, 0);
        var imaginary = pairs.select(-1, 1);
        var c = cos.view(1, cos.shape[0], 1, cos.shape[1]);
        var s = sin.view(1, sin.shape[0], 1, sin.shape[1]);
        return stack([(real * c) - (imaginary * s), (real * s).Plus(imaginary * c)], -1).flatten(-2);
    }
}
