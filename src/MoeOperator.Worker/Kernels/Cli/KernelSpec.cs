using MoeOperator.Worker.Kernels.Npy;

namespace MoeOperator.Worker.Kernels.Cli;

/// <summary>An input or output of a kernel: its name, element type and layout.</summary>
/// <param name="Name">As the command line spells it: --in NAME=FILE or --out NAME=FILE.</param>
/// <param name="Type">The element type of the .npy file.</param>
/// <param name="Layout">Its shape, as the kernel's contract states it.</param>
/// <param name="Optional">An input the kernel runs without.</param>
/// <param name="WrittenWith">For an output: the optional input without which it is not written.</param>
public sealed record KernelPort(string Name, NpyType Type, string Layout, bool Optional = false, string? WrittenWith = null);

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

    /// <summary>Input <paramref name="name"/> with its shape, as the kernels take it.</summary>
    public NdArray<T> Array<T>(string name)
        where T : unmanaged => Input(name).As<T>(name);

    /// <summary>Optional input <paramref name="name"/>, or null when it was not given.</summary>
    public NdArray<T>? OptionalArray<T>(string name)
        where T : unmanaged => OptionalInput(name)?.As<T>(name);

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
