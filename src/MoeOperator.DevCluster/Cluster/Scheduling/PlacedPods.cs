using System.Text.Json.Nodes;
using MoeOperator.Planning.Resources;

namespace MoeOperator.DevCluster.Cluster.Scheduling;

/// <summary>
/// The nodes and the pods already placed on them, indexed for scheduling decisions: nodes in name order and by
/// name, active pods by node, and the pods that carry required anti-affinity (the only ones that can keep a new pod
/// out). A decision then costs the nodes it looks at, not every pod of the cluster per node. The scheduler keeps one
/// across passes and feeds it each pod that changed (<see cref="Put"/>, <see cref="Remove"/>).
/// </summary>
public sealed class PlacedPods
{
    private readonly Dictionary<string, Dictionary<(string Namespace, string Name), JsonObject>> _byNode = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Namespace, string Name), string> _nodeOf = [];
    private readonly Dictionary<(string Namespace, string Name), JsonObject> _withAntiAffinity = [];
    private List<JsonObject> _nodes = [];
    private Dictionary<string, JsonObject> _nodesByName = new(StringComparer.Ordinal);

    public PlacedPods(IEnumerable<JsonObject> nodes, IEnumerable<JsonObject> boundPods)
    {
        ArgumentNullException.ThrowIfNull(boundPods);
        SetNodes(nodes);
        foreach (var pod in boundPods)
        {
            Put(pod);
        }
    }

    /// <summary>Every node, in name order.</summary>
    public IReadOnlyList<JsonObject> Nodes => _nodes;

    public IReadOnlyDictionary<string, JsonObject> NodesByName => _nodesByName;

    /// <summary>Pods placed with required anti-affinity terms.</summary>
    public IReadOnlyCollection<JsonObject> WithAntiAffinity => _withAntiAffinity.Values;

    /// <summary>The active pods bound to <paramref name="node"/>.</summary>
    public IReadOnlyCollection<JsonObject> On(string node) => _byNode.TryGetValue(node, out var pods) ? pods.Values : [];

    public void SetNodes(IEnumerable<JsonObject> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        _nodes = [.. nodes.OrderBy(n => (string?)n["metadata"]?["name"], StringComparer.Ordinal)];
        _nodesByName = _nodes.GroupBy(n => (string?)n["metadata"]?["name"] ?? "", StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    /// <summary>Counts the pod as it is now, in place of any earlier state of it (an inactive or unbound pod counts for nothing).</summary>
    public void Put(JsonObject pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var key = ((string?)pod["metadata"]?["namespace"] ?? "", (string?)pod["metadata"]?["name"] ?? "");
        Remove(key);
        if ((string?)pod["spec"]?["nodeName"] is not { Length: > 0 } node || !PodResources.IsActive(pod))
        {
            return;
        }

        if (!_byNode.TryGetValue(node, out var onNode))
        {
            onNode = [];
            _byNode[node] = onNode;
        }

        onNode[key] = pod;
        _nodeOf[key] = node;
        if (SchedulingPlanner.RequiredAntiAffinity(pod).Any())
        {
            _withAntiAffinity[key] = pod;
        }
    }

    /// <summary>Forgets the pod under <paramref name="key"/> (gone, or about to be put again).</summary>
    public void Remove((string Namespace, string Name) key)
    {
        if (_nodeOf.Remove(key, out var node) && _byNode.TryGetValue(node, out var onNode))
        {
            onNode.Remove(key);
        }

        _withAntiAffinity.Remove(key);
    }
}
