using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.Benchmarks.Scale;

/// <summary>
/// The shipped operator (moe-operator.dll, what the chart's image runs) as a process of its own, so its memory and
/// its API requests are its own and not the dev cluster's. Its metrics URL comes from its first log line.
/// </summary>
public sealed class OperatorProcess : IDisposable
{
    private static readonly HttpClient _http = new();
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private OperatorProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, line) => Collect(line.Data);
        _process.ErrorDataReceived += (_, line) => Collect(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri MetricsUrl { get; private set; } = null!;

    /// <summary>The last lines it logged, for a report of a failed run.</summary>
    public string Tail => string.Join('\n', _lines.TakeLast(20));

    public static async Task<OperatorProcess> StartAsync(string kubeconfig, string ns, double qps, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "moe-operator.dll"), "operator", "--kubeconfig", kubeconfig, "--namespace", ns,
                "--metrics-bind-address=127.0.0.1:0", "--health-probe-bind-address=127.0.0.1:0", "--log-format=json",
                "--kube-api-qps", qps.ToString(CultureInfo.InvariantCulture), "--kube-api-burst", ((int)(2 * qps)).ToString(CultureInfo.InvariantCulture),
            },
        };
        start.Environment["POD_NAME"] = "moe-operator-scale";
        var running = new OperatorProcess(Process.Start(start)!);
        try
        {
            var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
            while (running.Serving() is not { } url)
            {
                if (running._process.HasExited || DateTimeOffset.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"moe-operator did not start serving metrics:\n{running.Tail}");
                }

                await Task.Delay(100, cancellationToken);
            }

            running.MetricsUrl = running.Serving()!;
            return running;
        }
        catch
        {
            running.Dispose();
            throw;
        }
    }

    public async Task<PrometheusSample> ScrapeAsync(CancellationToken cancellationToken) =>
        PrometheusSample.Parse(await _http.GetStringAsync(MetricsUrl, cancellationToken));

    /// <summary>The process's peak resident memory (VmHWM), in bytes.</summary>
    public long PeakResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
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

    private Uri? Serving() => _lines
        .Select(l => l.StartsWith('{') ? JsonNode.Parse(l) as JsonObject : null)
        .Select(entry => (string?)entry?["State"]?[nameof(MetricsUrl)])
        .Where(url => url is not null)
        .Select(url => new Uri(url!))
        .FirstOrDefault();

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        // The serving line is the first; beyond that only a tail is worth keeping.
        _lines.Enqueue(line);
        while (_lines.Count > 200 && MetricsUrl is not null && _lines.TryDequeue(out _))
        {
        }
    }
}
