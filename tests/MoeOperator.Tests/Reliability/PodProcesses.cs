using System.Globalization;

namespace MoeOperator.Tests.Reliability;

/// <summary>
/// The host processes a dev cluster's kubelet runs for its pods, found by what it puts in their environment: the
/// pod's name as HOSTNAME and the cluster's API server port as KUBERNETES_SERVICE_PORT (so two clusters on one
/// machine are told apart).
/// </summary>
internal static class PodProcesses
{
    /// <summary>Every process of the cluster at <paramref name="apiPort"/>, by process id, with its pod's name.</summary>
    public static Dictionary<string, string> Of(int apiPort)
    {
        var port = $"KUBERNETES_SERVICE_PORT={apiPort.ToString(CultureInfo.InvariantCulture)}";
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pid in Directory.GetDirectories("/proc").Select(Path.GetFileName).OfType<string>().Where(name => name.All(char.IsAsciiDigit)))
        {
            if (Environment(pid) is { } variables && variables.Contains(port) && variables.FirstOrDefault(v => v.StartsWith("HOSTNAME=", StringComparison.Ordinal)) is { } host)
            {
                found[pid] = host["HOSTNAME=".Length..];
            }
        }

        return found;
    }

    /// <summary>Sends <paramref name="signal"/> (KILL, STOP, CONT) to a pod's processes; returns how many it signalled.</summary>
    public static int Signal(int apiPort, string pod, string signal)
    {
        var pids = Of(apiPort).Where(p => p.Value == pod).Select(p => p.Key).ToList();
        if (pids.Count > 0)
        {
            Testing.Tools.Run("kill", [$"-{signal}", .. pids]);
        }

        return pids.Count;
    }

    /// <summary>A process's command line, for a report (empty when it is gone).</summary>
    public static string CommandLine(string pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static HashSet<string>? Environment(string pid)
    {
        try
        {
            return [.. File.ReadAllText($"/proc/{pid}/environ").Split('\0')];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone since the listing, or not ours to read.
            return null;
        }
    }
}
