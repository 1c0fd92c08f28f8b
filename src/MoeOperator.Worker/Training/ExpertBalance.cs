using MoeOperator.Worker.Tensors;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training;

/// <summary>
/// DeepSeek-V3's auxiliary-loss-free load balance: after each step, every routed expert's selection bias moves by
/// <c>speed * sign(mean load - load)</c>, the load being the tokens routed to it in the step over all data and
/// expert-parallel ranks. Overloaded experts become less attractive, idle ones more, without a loss term.
/// </summary>
public static class ExpertBalance
{
    public static void Update(Tensor bias, IReadOnlyList<double> load, double speed)
    {
        ArgumentNullException.ThrowIfNull(bias);
        ArgumentNullException.ThrowIfNull(load);
        var mean = load.Average();
        using var _ = no_grad();
        using var step = tensor(load.Select(l => speed * Math.Sign(mean - l)).ToArray(), bias.dtype);
        bias.PlusInPlace(step);
    }

    /// <summary>max / mean of the load: 1 is perfectly balanced.</summary>
    public static double Imbalance(IReadOnlyList<double> load)
    {
        ArgumentNullException.ThrowIfNull(load);
        var mean = load.Average();
        return mean > 0 ? load.Max() / mean : 1.0;
    }
}
