using MoeOperator.Worker.Kernels.Npy;

namespace MoeOperator.Worker.Kernels.Cli;

/// <summary>Runs one kernel from .npy files to .npy files, checking every name against the kernel's description first.</summary>
public static class KernelRunner
{
    public static void Run(
        KernelSpec spec,
        IReadOnlyDictionary<string, string> inputFiles,
        IReadOnlyDictionary<string, string> outputFiles,
        IReadOnlyDictionary<string, string> parameters,
        TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(inputFiles);
        ArgumentNullException.ThrowIfNull(outputFiles);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(log);
        RequireKnown(inputFiles.Keys, spec.Inputs.Select(p => p.Name), "input", spec.Name);
        RequireKnown(outputFiles.Keys, spec.Outputs.Select(p => p.Name), "output", spec.Name);
        RequireKnown(parameters.Keys, spec.Parameters.Select(p => p.Name), "parameter", spec.Name);
        foreach (var port in spec.Inputs.Where(p => !p.Optional && !inputFiles.ContainsKey(p.Name)))
        {
            throw new KernelInputException($"{spec.Name} needs input {port.Name} ({NpyFile.Describe(port.Type)} {port.Layout}): pass --in {port.Name}=FILE.npy");
        }

        foreach (var port in spec.Outputs.Where(p => p.WrittenWith is { } input && outputFiles.ContainsKey(p.Name) && !inputFiles.ContainsKey(input)))
        {
            throw new KernelInputException($"{spec.Name} writes {port.Name} only from input {port.WrittenWith}: pass --in {port.WrittenWith}=FILE.npy, or drop --out {port.Name}");
        }

        var inputs = inputFiles.ToDictionary(pair => pair.Key, pair => NpyFile.Read(pair.Value));
        foreach (var (name, array) in inputs)
        {
            var port = spec.Inputs.First(p => p.Name == name);
            if (array.Type != port.Type)
            {
                throw new KernelInputException($"input {name} ({inputFiles[name]}) holds {NpyFile.Describe(array.Type)}, {spec.Name} reads {NpyFile.Describe(port.Type)} {port.Layout}");
            }
        }

        var outputs = spec.Run(new KernelCall(inputs, parameters));
        foreach (var name in outputFiles.Keys.Where(n => !outputs.ContainsKey(n)))
        {
            throw new KernelInputException($"{spec.Name} produced no {name} for these inputs, so --out {name} cannot be written");
        }

        foreach (var (name, array) in outputs)
        {
            if (outputFiles.TryGetValue(name, out var path))
            {
                NpyFile.Write(path, array);
                log.WriteLine($"{name} {array.ShapeText} {NpyFile.Describe(array.Type)} -> {path}");
            }
            else
            {
                log.WriteLine($"{name} {array.ShapeText} {NpyFile.Describe(array.Type)} (not written: add --out {name}=FILE.npy)");
            }
        }
    }

    /// <summary>The kernel list: each kernel with its inputs, outputs, parameters and layouts.</summary>
    public static void List(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var spec in KernelCatalog.All)
        {
            output.WriteLine($"{spec.Name}: {spec.Summary}");
            foreach (var port in spec.Inputs)
            {
                output.WriteLine($"  in   {port.Name,-18} {NpyFile.Describe(port.Type),-8} {port.Layout}{(port.Optional ? " (optional)" : "")}");
            }

            foreach (var port in spec.Outputs)
            {
                output.WriteLine($"  out  {port.Name,-18} {NpyFile.Describe(port.Type),-8} {port.Layout}{(port.WrittenWith is { } input ? $" (only with --in {input})" : "")}");
            }

            foreach (var parameter in spec.Parameters)
            {
                output.WriteLine($"  param {parameter.Name,-17} {parameter.Description} (default: {parameter.Default})");
            }

            output.WriteLine();
        }
    }

    private static void RequireKnown(IEnumerable<string> given, IEnumerable<string> known, string what, string kernel)
    {
        var names = known.ToList();
        foreach (var name in given.Where(n => !names.Contains(n)))
        {
            throw new KernelInputException($"{kernel} has no {what} '{name}'; its {what}s are: {(names.Count == 0 ? "none" : string.Join(", ", names))}");
        }
    }
}
