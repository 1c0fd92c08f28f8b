using System.Text.Json.Nodes;

namespace MoeOperator.Cli.Top;

/// <summary>
/// What <c>moe top</c> read at one moment: the custom resources (with their status) and, per EPGroup, the samples
/// its worker pods served on /metrics (read through the API server's pods/proxy, as from outside the cluster).
/// </summary>
internal sealed record TopSnapshot(
    IReadOnlyList<JsonObject> Groups,
    IReadOnlyList<JsonObject> Clusters,
    IReadOnlyList<JsonObject> Jobs,
    IReadOnlyDictionary<string, GroupWorkers> Workers)
{
    public static string Key(JsonObject resource) => $"{resource["metadata"]?["namespace"]}/{resource["metadata"]?["name"]}";
}

/// <summary>The samples of a group's worker pods, and how many of its pods answered.</summary>
internal sealed record GroupWorkers(IReadOnlyList<ExpositionSample> Samples, int PodsRead, int Pods);
