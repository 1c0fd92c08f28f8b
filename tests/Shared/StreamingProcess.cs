using System.Diagnostics;

namespace MoeOperator.Testing;

/// <summary>
/// A program left running while a test reads its output line by line as it is written (<c>kubectl logs -f</c>);
/// killed with its children on dispose.
/// </summary>
internal sealed class StreamingProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

    private StreamingProcess(Process process) => _process = process;

    /// <summary>Whether the program has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The stdout and stderr lines read so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public static StreamingProcess Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var streaming = new StreamingProcess(process);
        process.OutputDataReceived += (_, e) => streaming.Add(e.Data);
        process.ErrorDataReceived += (_, e) => streaming.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return streaming;
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }
}
