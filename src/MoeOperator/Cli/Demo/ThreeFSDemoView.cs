using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.Cli.Demo;

/// <summary>
/// What the demo shows of its ThreeFSCluster at one moment, from the cluster's status (pure): the bootstrap steps
/// done so far and the chains' health, and a summary line once every chain serves.
/// </summary>
internal sealed record ThreeFSDemoView(string Name, string Phase, IReadOnlyList<string> Steps, int StepCount, int? Chains, int? Serving, int? Degraded, int? Targets, string? Waiting)
{
    public static ThreeFSDemoView From(JsonObject? cluster, int stepCount)
    {
        var status = cluster?["status"];
        var bootstrapped = status?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == "Bootstrapped");
        return new ThreeFSDemoView(
            (string?)cluster?["metadata"]?["name"] ?? "?",
            (string?)status?["phase"] ?? "Pending",
            [.. status?["completedBootstrapSteps"]?.AsArray().Select(s => (string?)s ?? "?") ?? []],
            stepCount,
            (int?)status?["chains"]?["total"],
            (int?)status?["chains"]?["serving"],
            (int?)status?["chains"]?["degraded"],
            (int?)status?["targets"]?["serving"],
            (string?)bootstrapped?["status"] == "False" ? (string?)bootstrapped?["message"] : null);
    }

    /// <summary>Bootstrapped and every chain serving.</summary>
    public bool Ready => Phase == "Ready" && Chains > 0 && Serving == Chains;

    public bool Failed => Phase == "Failed";

    /// <summary>For example "3fs tfs-minimal: Bootstrapping · 5/12 steps, last set-config-storage · waiting for storage to be ready".</summary>
    public string Line()
    {
        var parts = new List<string> { Phase, $"{Steps.Count}/{StepCount} bootstrap steps{(Steps.Count > 0 ? $", last {Steps[^1]}" : "")}" };
        if (Chains is { } chains)
        {
            parts.Add($"chains {Serving}/{chains} serving{(Degraded > 0 ? $", {Degraded} degraded" : "")}");
        }
        else if (Waiting is { } waiting)
        {
            parts.Add(waiting);
        }

        return $"3fs {Name}: " + string.Join(" · ", parts);
    }

    public string Summary(TimeSpan readyAfter) =>
        $"  3FS:        {Name} bootstrapped in {Steps.Count} steps ({string.Join(" -> ", Steps)}), {Chains} chains and {Targets} targets serving, ready after {readyAfter.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s";
}
