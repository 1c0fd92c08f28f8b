using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// What one kubelet pass reads of the cluster besides the pod it syncs, each part built the first time a pod needs
/// it: the addressed pods and the Services (only a process reads /etc/hosts) and the pods bound to a node (only a
/// pod being admitted is counted against them). A pass over settled simulated pods builds none of them.
/// </summary>
internal sealed class KubeletPassView(ClusterApi api, IReadOnlyCollection<JsonObject> pods, Func<string, string?> ipOf)
{
    private List<(JsonObject Pod, string Ip)>? _addressed;
    private List<JsonObject>? _services;
    private ILookup<string?, JsonObject>? _byNode;

    /// <summary>Every bound pod that has an address on its node, with that address.</summary>
    public IReadOnlyList<(JsonObject Pod, string Ip)> Addressed => _addressed ??= [.. pods
        .Where(p => (string?)p["spec"]?["nodeName"] is { Length: > 0 })
        .Select(p => (Pod: p, Ip: ipOf((string?)p["metadata"]?["uid"] ?? "")))
        .Where(p => p.Ip is not null)
        .Select(p => (p.Pod, p.Ip!))];

    public IReadOnlyList<JsonObject> Services => _services ??= api.List("services");

    /// <summary>The pods bound to <paramref name="node"/> (read-only copies).</summary>
    public IEnumerable<JsonObject> BoundTo(string node) =>
        (_byNode ??= pods.ToLookup(p => (string?)p["spec"]?["nodeName"], StringComparer.Ordinal))[node];
}
