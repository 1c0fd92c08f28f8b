using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// A container that is a real process: stdout and stderr go, interleaved as written, to its log file; SIGTERM asks
/// it to stop and SIGKILL ends it and everything it started.
/// </summary>
internal sealed partial class ProcessContainer : IContainerRun
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly FileStream _log;
    private readonly Lock _logGate = new();
    private readonly Task _pumps;
    private readonly TimeProvider _clock;
    private DateTimeOffset? _finishedAt;

    private ProcessContainer(Process process, FileStream log, TimeProvider clock)
    {
        _process = process;
        _log = log;
        _clock = clock;
        StartedAt = clock.GetUtcNow();
        Id = $"moe-process://{process.Id}";
        _pumps = Task.WhenAll(PumpAsync(process.StandardOutput.BaseStream), PumpAsync(process.StandardError.BaseStream));
    }

    public string Id { get; }

    public DateTimeOffset? StartedAt { get; }

    public DateTimeOffset? FinishedAt
    {
        get
        {
            if (_finishedAt is null && _process.HasExited)
            {
                _finishedAt = _clock.GetUtcNow();
            }

            return _finishedAt;
        }
    }

    public int? ExitCode => FinishedAt is null ? null : _process.ExitCode;

    /// <summary>Starts <paramref name="argv"/> with exactly <paramref name="environment"/>, logging to <paramref name="logPath"/>.</summary>
    public static ProcessContainer Start(IReadOnlyList<string> argv, IEnumerable<KeyValuePair<string, string>> environment, string workingDirectory, string logPath, TimeProvider clock)
    {
        var start = StartInfo(argv, environment, workingDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        try
        {
            var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {argv[0]}");
            process.StandardInput.Close();
            return new ProcessContainer(process, log, clock);
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>
    /// How a container's process starts, and an exec's beside it: <paramref name="argv"/> with exactly
    /// <paramref name="environment"/> (nothing inherited from the kubelet), every stream redirected.
    /// </summary>
    public static ProcessStartInfo StartInfo(IReadOnlyList<string> argv, IEnumerable<KeyValuePair<string, string>> environment, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in argv.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    public void Terminate()
    {
        if (!_process.HasExited)
        {
            _ = SendSignal(_process.Id, SigTerm);
        }
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.WaitForExit(5000);
        _pumps.Wait(TimeSpan.FromSeconds(5));
        _process.Dispose();
        _log.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    private async Task PumpAsync(Stream output)
    {
        var buffer = new byte[8192];
        int read;
        while ((read = await output.ReadAsync(buffer)) > 0)
        {
            lock (_logGate)
            {
                _log.Write(buffer, 0, read);
                _log.Flush();
            }
        }
    }
}
