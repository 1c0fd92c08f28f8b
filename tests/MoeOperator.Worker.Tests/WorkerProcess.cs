using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MoeOperator.Worker.Moe;

namespace MoeOperator.Worker.Tests;

/// <summary>A <c>moe-worker</c> process started by a test, its output captured, killed with its children on dispose.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WorkerProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the worker next to the test assembly with the EPGroup environment for one pod.</summary>
    public static WorkerProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "moe-worker.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new WorkerProcess(Process.Start(start)!);
    }

    /// <summary>The environment the operator gives pod <paramref name="rankBase"/> / ranksPerNode of a group.</summary>
    public static Dictionary<string, string> PodEnvironment(int worldSize, int ranksPerNode, int rankBase, int masterPort, MoeShape model) => new()
    {
        ["MOE_GROUP"] = "test",
        ["MOE_WORLD_SIZE"] = worldSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MOE_RANKS_PER_NODE"] = ranksPerNode.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MOE_RANK_BASE"] = rankBase.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MOE_MASTER_ADDR"] = "127.0.0.1",
        ["MOE_MASTER_PORT"] = masterPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["POD_IP"] = "127.0.0.1",
        ["MOE_METRICS_PORT"] = "0",
        ["MOE_HIDDEN_SIZE"] = model.Hidden.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MOE_EXPERTS"] = model.Experts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MOE_EXPERT_GROUPS"] = model.ExpertGroups.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MOE_TOPK_GROUPS"] = model.TopkGroups.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MOE_TOPK"] = model.Topk.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MOE_EXPERT_PRECISION"] = model.Precision.ToString(),
    };

    /// <summary>A port free right now on 127.0.0.1, for the rendezvous server.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task<int> WaitAsync(TimeSpan limit)
    {
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"moe-worker did not exit within {limit}; its output:\n{Output}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public int Id => _process.Id;

    public void Kill() => _process.Kill(entireProcessTree: true);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
