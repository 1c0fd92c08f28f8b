using System.CommandLine;

namespace MoeOperator.Worker.Kernels.Cli;

/// <summary><c>moe-worker kernel</c>: run one native kernel on .npy inputs, or list the kernels.</summary>
internal static class KernelCommand
{
    public static Command Create()
    {
        var name = new Argument<string?>("name") { Description = "The kernel to run (see --list)", Arity = ArgumentArity.ZeroOrOne };
        var inputs = new Option<string[]>("--in") { Description = "NAME=FILE.npy: an input of the kernel", AllowMultipleArgumentsPerToken = false };
        var outputs = new Option<string[]>("--out") { Description = "NAME=FILE.npy: where to write an output" };
        var parameters = new Option<string[]>("--param") { Description = "KEY=VALUE: a parameter of the kernel" };
        var list = new Option<bool>("--list") { Description = "Print every kernel with its inputs, outputs, parameters and layouts" };
        var command = new Command("kernel", "Run a native kernel on NumPy .npy files (float32, int32, int64, uint8 for FP8 codes)")
        {
            name, inputs, outputs, parameters, list,
        };
        command.SetAction(result =>
        {
            if (result.GetValue(list))
            {
                KernelRunner.List(Console.Out);
                return 0;
            }

            var kernelName = result.GetValue(name);
            var spec = kernelName is null ? null : KernelCatalog.Find(kernelName);
            if (spec is null)
            {
                Console.Error.WriteLine(kernelName is null
                    ? "moe-worker kernel: name a kernel, or pass --list to see them"
                    : $"moe-worker kernel: no kernel '{kernelName}'; kernels: {string.Join(", ", KernelCatalog.All.Select(k => k.Name))}");
                return 2;
            }

            try
            {
                Native.EnsureCompatible();
                KernelRunner.Run(
                    spec,
                    Pairs(result.GetValue(inputs), "--in"),
                    Pairs(result.GetValue(outputs), "--out"),
                    Pairs(result.GetValue(parameters), "--param"),
                    Console.Out);
                return 0;
            }
            catch (Exception e) when (e is KernelInputException or KernelException or ArgumentException or IOException or InvalidOperationException)
            {
                Console.Error.WriteLine($"moe-worker kernel {spec.Name}: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static Dictionary<string, string> Pairs(string[]? values, string option)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values ?? [])
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new KernelInputException($"{option} takes NAME=VALUE, got '{value}'");
            }

            if (!pairs.TryAdd(value[..equals], value[(equals + 1)..]))
            {
                throw new KernelInputException($"{option} {value[..equals]} is given twice");
            }
        }

        return pairs;
    }
}
