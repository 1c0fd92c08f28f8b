using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Cli;

/// <summary>A `moe operator` process with JSON logs; its endpoints are read from its first log line. Disposing kills it.</summary>
internal sealed class OperatorUnderTest : IDisposable
{
    private readonly Process _process;

    private OperatorUnderTest(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, line) => Collect(line.Data);
        _process.ErrorDataReceived += (_, line) => Collect(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public ConcurrentQueue<string> Lines { get; } = new();

    public Uri MetricsUrl { get; private set; } = null!;

    public Uri ProbeUrl { get; private set; } = null!;

    public Process Process => _process;

    /// <param name="kubeconfig">The cluster.</param>
    /// <param name="identity">The pod name it leads as.</param>
    /// <param name="program">moe-operator.dll (what the chart's image runs) or moe.dll (the same verb in the `moe` tool).</param>
    /// <param name="extra">More flags.</param>
    public static async Task<OperatorUnderTest> StartAsync(string kubeconfig, string identity, string program, params string[] extra)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, program), "operator", "--kubeconfig", kubeconfig,
                "--metrics-bind-address=127.0.0.1:0", "--health-probe-bind-address=127.0.0.1:0", "--log-format=json",
            },
        };
        foreach (var argument in extra)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["POD_NAME"] = identity;
        var running = new OperatorUnderTest(Process.Start(start)!);
        try
        {
            await Eventually.HoldsAsync(() => running.Serving() is not null || running._process.HasExited, "the operator's endpoints", TimeSpan.FromSeconds(30));
            var serving = running.Serving() ?? throw new InvalidOperationException($"moe operator exited with {running._process.ExitCode}:\n{string.Join('\n', running.Lines)}");
            running.MetricsUrl = new Uri((string)serving[nameof(MetricsUrl)]!);
            running.ProbeUrl = new Uri(((string)serving[nameof(ProbeUrl)]!).Split(' ')[0]);
            return running;
        }
        catch
        {
            running.Dispose();
            throw;
        }
    }

    /// <summary>Sends SIGTERM, as the kubelet does, and waits for the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        Tools.Run("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return await WaitForExitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>Sends SIGKILL, as a node failure or the OOM killer would: the process gets no chance to release its lease.</summary>
    public async Task<int> KillAsync()
    {
        Tools.Run("kill", ["-KILL", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return await WaitForExitAsync(TimeSpan.FromSeconds(20));
    }

    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private JsonObject? Serving() => Lines
        .Select(l => l.StartsWith('{') ? JsonNode.Parse(l) as JsonObject : null)
        .Select(entry => entry?["State"] as JsonObject)
        .FirstOrDefault(state => state?[nameof(MetricsUrl)] is not null);

    private void Collect(string? line)
    {
        if (line is not null)
        {
            Lines.Enqueue(line);
        }
    }
}
