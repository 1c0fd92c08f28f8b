using MoeOperator.Worker.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Optim;

/// <summary>
/// AdamW as torch.optim.AdamW computes it (decoupled weight decay, bias-corrected moments), with its state kept per
/// parameter name so that a checkpoint can save it and a rank holding a different set of stages can load its share.
/// </summary>
public sealed class AdamW(OptimizerSettings settings)
{
    private readonly Dictionary<string, (Tensor First, Tensor Second)> _moments = new(StringComparer.Ordinal);

    /// <summary>Steps taken, the exponent of the bias corrections.</summary>
    public long Steps { get; set; }

    public IReadOnlyDictionary<string, (Tensor First, Tensor Second)> Moments => _moments;

    /// <summary>One update of every parameter with its (already reduced and clipped) gradient.</summary>
    public void Step(IEnumerable<(string Name, Tensor Parameter, Tensor Gradient)> parameters, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Steps++;
        var correction1 = 1 - Math.Pow(settings.Beta1, Steps);
        var correction2 = 1 - Math.Pow(settings.Beta2, Steps);
        // The scalars are made once and held until every update is done: a Scalar converted implicitly for one call
        // can be finalised by the GC while LibTorch still reads it (seen as a failed toFloat check under load).
        using var decay = (1 - (learningRate * settings.WeightDecay)).ToScalar();
        using var beta1 = settings.Beta1.ToScalar();
        using var keep1 = (1 - settings.Beta1).ToScalar();
        using var beta2 = settings.Beta2.ToScalar();
        using var keep2 = (1 - settings.Beta2).ToScalar();
        using var epsilon = settings.Epsilon.ToScalar();
        using var bias2 = correction2.ToScalar();
        using var stepSize = (-learningRate / correction1).ToScalar();
        using var _ = no_grad();
        foreach (var (name, parameter, gradient) in parameters)
        {
            if (!_moments.TryGetValue(name, out var moments))
            {
                _moments[name] = moments = (zeros_like(parameter), zeros_like(parameter));
            }

            parameter.mul_(decay);
            moments.First.mul_(beta1).add_(gradient, alpha: keep1);
            moments.Second.mul_(beta2).addcmul_(gradient, gradient, value: keep2);
            using var denominator = moments.Second.div(bias2).sqrt_().add_(epsilon, HeldScalars.One);
            parameter.addcdiv_(moments.First, denominator, value: stepSize);
        }
    }

    /// <summary>Replaces the state (from a checkpoint).</summary>
    public void Load(long steps, IReadOnlyDictionary<string, (Tensor First, Tensor Second)> moments)
    {
        ArgumentNullException.ThrowIfNull(moments);
        Steps = steps;
        _moments.Clear();
        foreach (var (name, m) in moments)
        {
            _moments[name] = m;
        }
    }
}
