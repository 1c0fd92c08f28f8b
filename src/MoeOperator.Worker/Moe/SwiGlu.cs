using static TorchSharp.torch;

namespace MoeOperator.Worker.Moe;

/// <summary>
/// DeepSeek-V3's expert FFN, y = W_down (silu(W_gate x) * (W_up x)), with weights as nn.Linear stores them
/// ([out, in]): one definition for the EPGroup worker's FP32 experts and the trainer's experts and MLPs.
/// </summary>
public static class SwiGlu
{
    public static Tensor Forward(Tensor x, Tensor gate, Tensor up, Tensor down) =>
        nn.functional.linear(nn.functional.silu(nn.functional.linear(x, gate)) * nn.functional.linear(x, up), down);
}
