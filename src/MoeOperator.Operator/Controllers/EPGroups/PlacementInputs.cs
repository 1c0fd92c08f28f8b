using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Planning.Placement;
using MoeOperator.Planning.Resources;
using MoeOperator.Runtime.Informers;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>
/// Turns cluster objects into the placement planner's inputs: Nodes (with the GPUs and RDMA devices that running
/// pods already request) into candidates, and an EPGroup spec into a request.
/// </summary>
internal static class PlacementInputs
{
    /// <summary>Topology keys used when a group names none: zone, then spine, then leaf (the labels `moe dev up` sets).</summary>
    public static IReadOnlyList<string> DefaultTopologyKeys { get; } = ["topology.kubernetes.io/zone", "network.moe.dev/spine", "network.moe.dev/leaf"];

    public const string GpuResource = "nvidia.com/gpu";

    public const string DefaultRdmaResource = "rdma/hca";

    /// <summary>The group's topology keys from widest to narrowest, or the defaults.</summary>
    public static IReadOnlyList<string> TopologyKeys(EPGroupSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Placement.TopologyKeys is { Count: > 0 } keys ? keys : DefaultTopologyKeys;
    }

    /// <summary>The labels a group's nodes must have: spec.placement.nodeSelector, then <paramref name="requiredLabels"/> for keys it does not name.</summary>
    public static Dictionary<string, string> NodeSelector(EPGroupSpec spec, IReadOnlyDictionary<string, string>? requiredLabels)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return (spec.Placement.NodeSelector ?? []).Concat(requiredLabels ?? new Dictionary<string, string>()).DistinctBy(l => l.Key).ToDictionary();
    }

    /// <summary>The request for <paramref name="spec"/>; <paramref name="requiredLabels"/> add to its node selector (the nodes with a 3FS client it mounts).</summary>
    public static PlacementRequest Request(EPGroupSpec spec, int rdmaPerNode = 0, IReadOnlyDictionary<string, string>? requiredLabels = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new PlacementRequest(spec.Ranks, spec.RanksPerNode, spec.RanksPerNode * spec.GpusPerRank)
        {
            RdmaPerNode = rdmaPerNode,
            TopologyKeys = TopologyKeys(spec),
            NodeSelector = NodeSelector(spec, requiredLabels),
            Tolerations = [.. (spec.Placement.Tolerations ?? []).Select(t => new GroupToleration(t.Key, t.Operator.ToString(), t.Value, t.Effect?.ToString()))],
        };
    }

    /// <summary>What a pod takes from its node while it is active and bound, or null (unbound or finished).</summary>
    public static PodUsage? Usage(JsonObject pod) =>
        PodResources.IsActive(pod) && (string?)pod["spec"]?["nodeName"] is { Length: > 0 } node
            ? new PodUsage($"{pod["metadata"]?["namespace"]}/{pod["metadata"]?["name"]}", node, PodResources.Requests(pod))
            : null;

    /// <summary>Each cached pod's <see cref="Usage"/>, computed once per stored version (placement reads every pod on each try).</summary>
    public static CachedProjection<PodUsage?> CachedUsage { get; } = new(Usage);

    /// <summary>Each cached node as an empty <see cref="Node"/> candidate, computed once per stored version.</summary>
    public static CachedProjection<CandidateNode> CachedNode { get; } = new(node => Node(node));

    /// <summary>
    /// A Node object as a candidate with nothing requested yet: its GPUs and RDMA devices (<paramref name="rdmaResource"/>)
    /// from status.allocatable, labels, readiness, cordon and taints.
    /// </summary>
    public static CandidateNode Node(JsonObject node, string rdmaResource = DefaultRdmaResource)
    {
        ArgumentNullException.ThrowIfNull(node);
        var allocatable = node["status"]?["allocatable"];
        return new CandidateNode(
            (string?)node["metadata"]?["name"] ?? "",
            node["metadata"]?["labels"]?.AsObject().ToDictionary(l => l.Key, l => (string?)l.Value ?? "", StringComparer.Ordinal) ?? [],
            (int)Quantity.Parse((string?)allocatable?[GpuResource]),
            0)
        {
            AllocatableRdma = (int)Quantity.Parse((string?)allocatable?[rdmaResource]),
            Ready = node["status"]?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True") == true,
            Unschedulable = (bool?)node["spec"]?["unschedulable"] == true,
            Taints = [.. node["spec"]?["taints"]?.AsArray().OfType<JsonObject>().Select(t => new NodeTaint((string?)t["key"] ?? "", (string?)t["value"], (string?)t["effect"] ?? "")) ?? []],
        };
    }

    /// <summary>Candidates from Node and Pod objects; see the overload taking each pod's usage.</summary>
    public static List<CandidateNode> Candidates(IEnumerable<JsonObject> nodes, IEnumerable<JsonObject> pods, IReadOnlyList<Reservation>? reserved = null, IReadOnlyDictionary<string, string>? excluded = null, string rdmaResource = DefaultRdmaResource) =>
        Candidates(nodes.Select(n => Node(n, rdmaResource)), pods.Select(Usage), reserved, excluded, rdmaResource);

    /// <summary>
    /// Candidates from nodes as <see cref="Node"/> reads them: <paramref name="pods"/> (any namespace, as <see cref="Usage"/> reads them) count against the nodes they are bound
    /// to until they finish, and <paramref name="reserved"/> (the placement ledger's) against theirs until their pod
    /// shows bound; <paramref name="excluded"/> nodes are refused with the reason given.
    /// </summary>
    public static List<CandidateNode> Candidates(IEnumerable<CandidateNode> nodes, IEnumerable<PodUsage?> pods, IReadOnlyList<Reservation>? reserved = null, IReadOnlyDictionary<string, string>? excluded = null, string rdmaResource = DefaultRdmaResource)
    {
        var requested = new Dictionary<string, Dictionary<string, decimal>>(StringComparer.Ordinal);
        var bound = new HashSet<string>(StringComparer.Ordinal);
        void Add(string node, IEnumerable<KeyValuePair<string, decimal>> requests)
        {
            var sums = requested.TryGetValue(node, out var found) ? found : requested[node] = new Dictionary<string, decimal>(StringComparer.Ordinal);
            foreach (var (resource, amount) in requests)
            {
                sums[resource] = sums.GetValueOrDefault(resource) + amount;
            }
        }

        foreach (var pod in pods.OfType<PodUsage>())
        {
            bound.Add(pod.Pod);
            Add(pod.Node, pod.Requests);
        }

        foreach (var reservation in (reserved ?? []).Where(r => !bound.Contains(r.Pod)))
        {
            Add(reservation.Node, reservation.Requests);
        }

        return [.. nodes.Select(node =>
        {
            var used = requested.GetValueOrDefault(node.Name) ?? [];
            return node with
            {
                RequestedGpus = (int)used.GetValueOrDefault(GpuResource),
                RequestedRdma = (int)used.GetValueOrDefault(rdmaResource),
                Excluded = excluded?.GetValueOrDefault(node.Name),
            };
        })];
    }
}

/// <summary>What one active pod bound to <paramref name="Node"/> requests (pod as namespace/name).</summary>
internal sealed record PodUsage(string Pod, string Node, IReadOnlyDictionary<string, decimal> Requests);
