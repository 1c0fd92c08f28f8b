using MoeOperator.Worker.Kernels;

namespace MoeOperator.Worker.Moe;

/// <summary>
/// One expert's SwiGLU FFN in FP8, as DeepSeek-V3 serves it: the three weights quantised once in 128x128 blocks,
/// each GEMM's input quantised per token in 1x128 groups, float32 accumulation, the SiLU and product in float32.
/// </summary>
public sealed class Fp8ExpertWeights
{
    private readonly Fp8Matrix _gate;
    private readonly Fp8Matrix _up;
    private readonly Fp8Matrix _down;
    private readonly int _hidden;
    private readonly int _intermediate;

    /// <param name="gate">[intermediate, hidden] row-major.</param>
    /// <param name="up">[intermediate, hidden] row-major.</param>
    /// <param name="down">[hidden, intermediate] row-major.</param>
    /// <param name="hidden">Hidden size, a multiple of 128.</param>
    /// <param name="intermediate">Intermediate size, a multiple of 128.</param>
    public Fp8ExpertWeights(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, ReadOnlySpan<float> down, int hidden, int intermediate)
    {
        Shapes.MultipleOf128(hidden, "hidden size");
        Shapes.MultipleOf128(intermediate, "intermediate size");
        _gate = Fp8.QuantizePerBlock(gate, intermediate, hidden);
        _up = Fp8.QuantizePerBlock(up, intermediate, hidden);
        _down = Fp8.QuantizePerBlock(down, hidden, intermediate);
        _hidden = hidden;
        _intermediate = intermediate;
    }

    /// <summary>Rows [rows, hidden] of <paramref name="x"/> in, rows [rows, hidden] written to <paramref name="output"/>.</summary>
    public void Forward(ReadOnlySpan<float> x, int rows, Span<float> output)
    {
        if (rows == 0)
        {
            return;
        }

        var input = Fp8.QuantizePerToken(x, rows, _hidden);
        var gate = Fp8Gemm.Multiply(input, _gate);
        var up = Fp8Gemm.Multiply(input, _up);
        for (var i = 0; i < gate.Length; i++)
        {
            var g = gate[i];
            gate[i] = g / (1f + MathF.Exp(-g)) * up[i];
        }

        Fp8Gemm.Multiply(Fp8.QuantizePerToken(gate, rows, _intermediate), _down, output);
    }
}
