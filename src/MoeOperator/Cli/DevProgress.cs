using System.Globalization;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.Cli;

/// <summary>
/// The live line of <c>moe dev up</c>: ready nodes, pods by phase and the components' standing errors, printed
/// whenever it changes (once a second at most), so a terminal shows the cluster moving without flooding it.
/// </summary>
internal sealed class DevProgress(ResourceService service, ComponentErrors errors, TextWriter output)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? last = null;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            do
            {
                var line = Summary();
                if (line != last)
                {
                    await output.WriteLineAsync($"[{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}] {line}");
                    last = line;
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>For example "nodes 4/4 ready · pods: 3 Running, 1 Pending", then "· 1 component error: default-scheduler: pod t/x: ..." while one stands.</summary>
    public string Summary()
    {
        var nodes = service.Store.List("nodes", null).Items;
        var ready = nodes.Count(n => n["status"]?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True") == true);
        var pods = service.Store.List("pods", null).Items
            .GroupBy(p => p["metadata"]?["deletionTimestamp"] is null ? (string?)p["status"]?["phase"] ?? "Pending" : "Terminating")
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Count().ToString(CultureInfo.InvariantCulture)} {g.Key}")
            .ToList();
        var line = $"nodes {ready.ToString(CultureInfo.InvariantCulture)}/{nodes.Count.ToString(CultureInfo.InvariantCulture)} ready · pods: {(pods.Count == 0 ? "none" : string.Join(", ", pods))}";
        var standing = errors.Current;
        return standing.Count == 0
            ? line
            : $"{line} · {standing.Count.ToString(CultureInfo.InvariantCulture)} component error{(standing.Count == 1 ? "" : "s")}: {standing[0]}{(standing.Count > 1 ? " (and more)" : "")}";
    }
}
