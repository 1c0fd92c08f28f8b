using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Observability;

/// <summary>
/// <c>moe dev up</c> as a user runs it, in its own process: the dev cluster with the real worker and the 3FS
/// simulator, and the operator serving /metrics. Faults are injected as a user's machine would suffer them, by
/// signalling a pod's processes.
/// </summary>
internal sealed class DevUpProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly string _state;
    private readonly string _cache;

    private DevUpProcess(Process process, string state, string cache)
    {
        _process = process;
        _state = state;
        _cache = cache;
    }

    public string Kubeconfig => Path.Combine(_state, "kubeconfig");

    /// <summary>Where the operator serves /metrics (host:port).</summary>
    public string MetricsAddress { get; private set; } = "";

    /// <summary>The API server's port: pods of this cluster carry it in KUBERNETES_SERVICE_PORT.</summary>
    public int ApiPort { get; private set; }

    public string OutputTail => string.Join('\n', _output.TakeLast(40));

    private static string MoeDll => Path.Combine(AppContext.BaseDirectory, "moe.dll");

    public static async Task<DevUpProcess> StartAsync(string state, string cache)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The demo's node pool: its 3FS daemons, admin Jobs and FUSE clients each take an RDMA device.
            ArgumentList = { MoeDll, "dev", "up", "--port", "0", "--state-dir", state, "--metrics-bind-address", "127.0.0.1:0", "--health-probe-bind-address", "127.0.0.1:0", "--rdma-per-node", "8" },
        };
        var dev = new DevUpProcess(Process.Start(start)!, state, cache);
        dev._process.OutputDataReceived += (_, line) => dev._output.Enqueue(line.Data ?? "");
        dev._process.ErrorDataReceived += (_, line) => dev._output.Enqueue(line.Data ?? "");
        dev._process.BeginOutputReadLine();
        dev._process.BeginErrorReadLine();
        await Eventually.HoldsAsync(
            () => dev._process.HasExited || (File.Exists(dev.Kubeconfig) && dev._output.Any(l => l.Contains("metrics: http", StringComparison.Ordinal))),
            "moe dev up to write its kubeconfig and print the operator's metrics address",
            TimeSpan.FromMinutes(3),
            () => dev.OutputTail);
        if (dev._process.HasExited)
        {
            throw new InvalidOperationException($"moe dev up exited with {dev._process.ExitCode}: {dev.OutputTail}");
        }

        dev.MetricsAddress = new Uri(dev._output.First(l => l.Contains("metrics: http", StringComparison.Ordinal)).Split("metrics: ")[1].Trim()).Authority;
        dev.ApiPort = new Uri(dev._output.First(l => l.Contains("API server https://", StringComparison.Ordinal)).Split("API server ")[1].Split(',')[0]).Port;
        return dev;
    }

    public ProcessResult Kubectl(params string[] arguments) =>
        Tools.Run(Tools.Kubectl, ["--kubeconfig", Kubeconfig, "--cache-dir", _cache, .. arguments], timeout: TimeSpan.FromSeconds(120));

    /// <summary>Runs another <c>moe</c> command against the cluster (its kubeconfig passed).</summary>
    public ProcessResult Moe(params string[] arguments) =>
        Tools.Run("dotnet", [MoeDll, .. arguments, "--kubeconfig", Kubeconfig], timeout: TimeSpan.FromSeconds(120));

    /// <summary>Every pod of the cluster.</summary>
    public IReadOnlyList<JsonObject> Pods()
    {
        var pods = Kubectl("get", "pods", "-A", "-o", "json");
        pods.ExitCode.ShouldBe(0, pods.Output);
        return [.. JsonNode.Parse(pods.Stdout)!["items"]!.AsArray().OfType<JsonObject>()];
    }

    /// <summary>What the cluster looks like, for failure messages: pods and the custom resources' status.</summary>
    public string Describe() =>
        $"{Kubectl("get", "pods", "-A", "-o", "wide").Output}\n{Kubectl("get", "epgroups,threefsclusters,trainingjobs", "-A", "-o", "json").Stdout}\nmoe dev up:\n{OutputTail}";

    /// <summary>
    /// Sends <paramref name="signal"/> (KILL, STOP, CONT) to the host processes of a pod of this cluster (found by the
    /// HOSTNAME the kubelet gives them and this API server's port); returns how many it signalled.
    /// </summary>
    public int Signal(string pod, string signal) => Reliability.PodProcesses.Signal(ApiPort, pod, signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Tools.Run("dotnet", [MoeDll, "dev", "down", "--state-dir", _state], timeout: TimeSpan.FromSeconds(60));
            if (!await Task.Run(() => _process.WaitForExit(TimeSpan.FromSeconds(60))))
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }
}
