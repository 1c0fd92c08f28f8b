using System.Diagnostics;

namespace MoeOperator.Testing;

/// <summary>The external programs tests drive (helm, kubectl, node), installed by tests/run.sh.</summary>
internal static class Tools
{
    /// <summary>Where tests/run.sh installs helm and kubectl; MOE_TOOLS_DIR overrides it.</summary>
    public static string BinDirectory { get; } = Environment.GetEnvironmentVariable("MOE_TOOLS_DIR") is { Length: > 0 } dir
        ? dir
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "moe-operator", "tools", "bin");

    public static string Helm => Require(Path.Combine(BinDirectory, "helm"));

    public static string Kubectl => Require(Path.Combine(BinDirectory, "kubectl"));

    /// <summary>Prometheus' promtool, from the Debian package tests/run.sh installs.</summary>
    public static string Promtool => OnPath("promtool");

    /// <summary>The Prometheus server, from the same Debian package.</summary>
    public static string Prometheus => OnPath("prometheus");

    /// <summary>The Kubernetes schema validator under tests/tools/k8s-schema.</summary>
    public static string K8sSchemaValidator
    {
        get
        {
            var script = RepoPaths.Of("tests", "tools", "k8s-schema", "validate.mjs");
            Require(RepoPaths.Of("tests", "tools", "k8s-schema", "node_modules", "kubernetes-models", "package.json"));
            return script;
        }
    }

    private static string OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists)
        ?? throw new FileNotFoundException($"{name} is not on PATH: run tests/run.sh, which installs the tools the tests use", name);

    private static string Require(string path) => File.Exists(path)
        ? path
        : throw new FileNotFoundException($"{path} is missing: run tests/run.sh, which installs the tools the tests use", path);

    /// <summary>Runs a program to completion within <paramref name="timeout"/>, killing it (and its children) past that.</summary>
    public static ProcessResult Run(string program, IEnumerable<string> arguments, string? stdin = null, TimeSpan? timeout = null, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not finish within {timeout}");
        }

        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>What a finished program returned and printed.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}
