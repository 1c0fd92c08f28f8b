using MoeOperator.Worker.Kernels.Npy;

namespace MoeOperator.Worker.Kernels.Cli;

/// <summary>An input or output of a kernel: its name, element type and layout.</summary>
public sealed record KernelPort(string Name, NpyType Type, string Layout, bool Optional = false);

/// <summary>A scalar setting of a kernel (<c>--param NAME=VALUE</c>).</summary>
public sealed record KernelParameter(string Name, string Description, string Default);

/// <summary>One kernel the command line can run: what it reads, writes and accepts, and how to run it.</summary>
public sealed record KernelSpec(
    string Name,
    string Summary,
    IReadOnlyList<KernelPort> Inputs,
    IReadOnlyList<KernelPort> Outputs,
    IReadOnlyList<KernelParameter> Parameters,
    Func<KernelCall, IReadOnlyDictionary<string, NpyArray>> Run);

/// <summary>The inputs and parameters of one run, with typed accessors whose errors name the input or parameter.</summary>
public sealed class KernelCall(IReadOnlyDictionary<string, NpyArray> inputs, IReadOnlyDictionary<string, string> parameters)
{
    public NpyArray Input(string name) => inputs.TryGetValue(name, out var array) ? array
        : throw new KernelInputException($"input {name} is missing: pass --in {name}=FILE.npy");

    public NpyArray? OptionalInput(string name) => inputs.GetValueOrDefault(name);

    public int Int(string name, int fallback)
    {
        if (!parameters.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value
            : throw new KernelInputException($"parameter {name} must be an integer, got '{text}'");
    }

    public float Float(string name, float fallback)
    {
        if (!parameters.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return float.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value
            : throw new KernelInputException($"parameter {name} must be a number, got '{text}'");
    }

    public string Text(string name, string fallback) => parameters.GetValueOrDefault(name, fallback);
}
