using MoeOperator.Contract;
using MoeOperator.Worker.Moe;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Model;

/// <summary>The SwiGLU FFN of DeepSeek-V3 (its MLP and Expert): w2(silu(w1(x)) * w3(x)), computed as the EPGroup worker's experts are (<see cref="SwiGlu"/>), in FP8 with <see cref="Fp8Rounding"/>.</summary>
internal sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    private readonly Linear _w1;
    private readonly Linear _w2;
    private readonly Linear _w3;

    private readonly ExpertPrecision _precision;

    public FeedForward(int dim, int interDim, ScalarType dtype, ExpertPrecision precision = ExpertPrecision.FP32) : base(nameof(FeedForward))
    {
        _precision = precision;
        _w1 = nn.Linear(dim, interDim, hasBias: false, dtype: dtype);
        _w2 = nn.Linear(interDim, dim, hasBias: false, dtype: dtype);
        _w3 = nn.Linear(dim, interDim, hasBias: false, dtype: dtype);
        register_module("w1", _w1);
        register_module("w2", _w2);
        register_module("w3", _w3);
    }

    public override Tensor forward(Tensor input) => _precision == ExpertPrecision.FP8
        ? SwiGlu.Forward(input, Fp8Rounding.PerBlock(_w1.weight!), Fp8Rounding.PerBlock(_w3.weight!), Fp8Rounding.PerBlock(_w2.weight!), Fp8Rounding.PerToken)
        : SwiGlu.Forward(input, _w1.weight!, _w3.weight!, _w2.weight!);
}
