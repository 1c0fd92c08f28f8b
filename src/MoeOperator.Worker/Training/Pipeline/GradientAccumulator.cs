using MoeOperator.Worker.Tensors;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Pipeline;

/// <summary>Sums the weight gradients of one step per parameter name (micro-batches, directions and the W passes all add here).</summary>
public sealed class GradientAccumulator
{
    private readonly SortedDictionary<string, Tensor> _sums = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, Tensor> Sums => _sums;

    public void Add(IReadOnlyList<(string Name, Tensor Parameter)> parameters, IList<Tensor> gradients, int offset)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradients);
        using var _ = no_grad();
        for (var i = 0; i < parameters.Count; i++)
        {
            var gradient = gradients[offset + i];
            if (gradient is null || gradient.IsInvalid)
            {
                continue;
            }

            var (name, parameter) = parameters[i];
            if (_sums.TryGetValue(name, out var sum))
            {
                sum.PlusInPlace(gradient);
            }
            else
            {
                _sums[name] = gradient.detach().clone();
            }
        }
    }

    /// <summary>The sum for <paramref name="name"/>, zeros shaped like the parameter when nothing reached it this step.</summary>
    public Tensor For(string name, Tensor parameter) =>
        _sums.TryGetValue(name, out var sum) ? sum : _sums[name] = zeros_like(parameter);

    public void Clear()
    {
        foreach (var sum in _sums.Values)
        {
            sum.Dispose();
        }

        _sums.Clear();
    }
}
