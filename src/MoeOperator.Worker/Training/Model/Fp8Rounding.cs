using System.Runtime.InteropServices;
using MoeOperator.Worker.Kernels;
using MoeOperator.Worker.Tensors;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Model;

/// <summary>
/// FP8 for training, with the EPGroup worker's quantisation (DeepGEMM's scaling in native/): a GEMM input is rounded
/// to e4m3 per token and 128 columns, a weight per 128x128 block, and the GEMM runs on the rounded values. The
/// rounding's gradient is passed straight through, so the float32 master weights learn from the FP8 forward pass.
/// </summary>
internal static class Fp8Rounding
{
    /// <summary>x [..., k] rounded per row and 128 columns.</summary>
    public static Tensor PerToken(Tensor x) => StraightThrough(x, (values, rows, k) => Fp8.Dequantize(Fp8.QuantizePerToken(values, rows, k)));

    /// <summary>w [n, k] rounded per 128x128 block.</summary>
    public static Tensor PerBlock(Tensor w) => StraightThrough(w, (values, rows, k) => Fp8.Dequantize(Fp8.QuantizePerBlock(values, rows, k)));

    private delegate float[] RoundTrip(ReadOnlySpan<float> values, int rows, int k);

    // The value is the rounded tensor; x + (rounded - x).detach() gives it x's gradient.
    private static Tensor StraightThrough(Tensor x, RoundTrip roundTrip)
    {
        var k = (int)x.shape[^1];
        var rows = (int)(x.numel() / Math.Max(k, 1));
        if (rows == 0)
        {
            return x;
        }

        float[] rounded;
        using (no_grad())
        {
            using var values = x.detach().to_type(ScalarType.Float32).contiguous();
            rounded = roundTrip(MemoryMarshal.Cast<byte, float>(values.bytes), rows, k);
        }

        using var quantized = tensor(rounded, x.shape).to_type(x.dtype);
        using var correction = quantized.sub(x).detach();
        return x.Plus(correction);
    }
}
