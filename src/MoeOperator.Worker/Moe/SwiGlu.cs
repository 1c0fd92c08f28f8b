using static TorchSharp.torch;

namespace MoeOperator.Worker.Moe;

/// <summary>
/// DeepSeek-V3's expert FFN, y = W_down (silu(W_gate x) * (W_up x)), with weights as nn.Linear stores them
/// ([out, in]): one definition for the EPGroup worker's FP32 experts and the trainer's experts and MLPs.
/// </summary>
public static class SwiGlu
{
    /// <param name="x">Rows [n, dim].</param>
    /// <param name="gate">[inter, dim].</param>
    /// <param name="up">[inter, dim].</param>
    /// <param name="down">[dim, inter].</param>
    /// <param name="roundInput">Applied to each GEMM's input (x, then the SiLU product): FP8 rounding, or nothing.</param>
    public static Tensor Forward(Tensor x, Tensor gate, Tensor up, Tensor down, Func<Tensor, Tensor>? roundInput = null)
    {
        var round = roundInput ?? (t => t);
        var input = round(x);
        return nn.functional.linear(round(nn.functional.silu(nn.functional.linear(input, gate)) * nn.functional.linear(input, up)), down);
    }
}
