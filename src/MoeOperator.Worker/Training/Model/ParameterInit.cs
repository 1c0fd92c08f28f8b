using System.Text;
using MoeOperator.Worker.Tensors;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Model;

/// <summary>
/// Initial weights drawn per parameter from the seed and the parameter's name, so every stage, every
/// expert-parallel shard and a one-process reference derive the identical value without talking to each other.
/// Norm weights start at one, the embedding at N(0, 1), every other matrix at N(0, 1/fan_in).
/// </summary>
internal static class ParameterInit
{
    public static void Apply(nn.Module model, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var _ = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal))
            {
                parameter.fill_(HeldScalars.One);
                continue;
            }

            using var generator = new Generator(Mix(seed, name));
            var std = name == "embed.weight" ? 1.0 : 1.0 / Math.Sqrt(parameter.shape[^1]);
            using var values = randn(parameter.shape, ScalarType.Float64, generator: generator).Times(std);
            parameter.copy_(values);
        }
    }

    // FNV-1a over the name, mixed with the seed; any stable hash would do, the point is that it depends on nothing else.
    private static ulong Mix(long seed, string name)
    {
        var hash = 14695981039346656037UL ^ (ulong)seed;
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash & 0x7FFF_FFFF_FFFF_FFFFUL;
    }
}
