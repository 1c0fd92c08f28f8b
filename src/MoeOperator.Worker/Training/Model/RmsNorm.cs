using MoeOperator.Worker.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Model;

/// <summary>weight * x / sqrt(mean(x^2) + eps), as DeepSeek-V3's RMSNorm.</summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private static readonly Scalar _epsilon = 1e-6.ToScalar();
    private readonly TorchSharp.Modules.Parameter _weight;

    public RmsNorm(int dim, ScalarType dtype) : base(nameof(RmsNorm))
    {
        _weight = new TorchSharp.Modules.Parameter(ones(dim, dtype));
        register_parameter("weight", _weight);
    }

    public override Tensor forward(Tensor input) =>
        _weight * input * input.pow(HeldScalars.Two).mean([-1], keepdim: true).add(_epsilon, HeldScalars.One).rsqrt();
}
