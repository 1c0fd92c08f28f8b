using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Planning.Placement;
using MoeOperator.Planning.ThreeFS;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// Chooses the nodes of the mgmtd, meta and storage daemons: ready, schedulable nodes matching the component's
/// selector and tolerations, with an IPv4 InternalIP (3FS configs need literals), each instance of a component on
/// its own node. Members already placed keep their node and node id; new ones take the next upstream id. Pure.
/// </summary>
internal static class ThreeFSPlacement
{
    /// <summary>The members; why more could not be placed (Reason), or why a change of the spec is refused (Refusal, members unchanged).</summary>
    public sealed record Result(IReadOnlyList<ThreeFSMember> Members, string? Reason, string? Refusal = null);

    public static Result Place(ThreeFSClusterSpec spec, IReadOnlyList<JsonObject> nodes, IReadOnlyList<ThreeFSMember> existing)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(existing);
        var candidates = PlacementInputs.Candidates(nodes.Select(n => PlacementInputs.Node(n)), Array.Empty<PodUsage>()).ToDictionary(c => c.Name, StringComparer.Ordinal);
        var addresses = nodes.ToDictionary(n => (string)n["metadata"]!["name"]!, InternalIPv4, StringComparer.Ordinal);
        var members = new List<ThreeFSMember>();
        foreach (var (component, replicas, selector, tolerations, firstId) in new[]
        {
            (ThreeFSComponent.Mgmtd, spec.Mgmtd.Replicas, spec.Mgmtd.NodeSelector, spec.Mgmtd.Tolerations, ThreeFSIds.FirstMgmtdNodeId),
            (ThreeFSComponent.Meta, spec.Meta.Replicas, spec.Meta.NodeSelector, spec.Meta.Tolerations, ThreeFSIds.FirstMetaNodeId),
            (ThreeFSComponent.Storage, spec.Storage.Replicas, spec.Storage.NodeSelector, spec.Storage.Tolerations, ThreeFSIds.FirstStorageNodeId),
        })
        {
            var name = ThreeFSNames.Component(component);
            var placed = existing.Where(m => m.Component == name).OrderBy(m => m.NodeId).ToList();
            if (component == ThreeFSComponent.Storage && placed.Count > replicas)
            {
                // Taking a storage node away takes a replica from each of its chains; without a migration that
                // first moves them, chains would run short. Refuse, and change nothing.
                return new Result(existing, null, $"spec.storage.replicas is {replicas} but {placed.Count} storage nodes hold targets: removing storage nodes is refused because their chains would lose replicas; set spec.storage.replicas back to {placed.Count}");
            }

            // Placed members stay, even on a node that is down for now: its data and its id are there.
            var kept = placed.Take(replicas).ToList();
            members.AddRange(kept);
            var rules = tolerations?.Select(t => new GroupToleration(t.Key, t.Operator.ToString(), t.Value, t.Effect?.ToString())).ToList() ?? [];
            var free = candidates.Values
                .Where(c => c.Ready && !c.Unschedulable && kept.All(m => m.Node != c.Name))
                .Where(c => (selector ?? []).All(s => c.Labels.TryGetValue(s.Key, out var v) && v == s.Value))
                .Where(c => c.Taints.All(t => t.Effect is not ("NoSchedule" or "NoExecute") || rules.Any(r => r.Tolerates(t))))
                .Where(c => addresses[c.Name] is not null)
                // Spread the daemons: a node already running fewer of them comes first.
                .OrderBy(c => members.Count(m => m.Node == c.Name))
                .ThenBy(c => c.Name, StringComparer.Ordinal)
                .ToList();
            var missing = replicas - kept.Count;
            if (free.Count < missing)
            {
                return new Result(members, $"{name} needs {replicas} nodes{(selector is { Count: > 0 } ? " matching its nodeSelector" : "")} that are ready, schedulable, tolerated and have an IPv4 InternalIP; {kept.Count + free.Count} qualify");
            }

            var nextId = kept.Count == 0 ? firstId : kept.Max(m => m.NodeId) + 1;
            foreach (var node in free.Take(missing))
            {
                members.Add(new ThreeFSMember { Component = name, NodeId = nextId++, Node = node.Name, Address = addresses[node.Name] });
            }
        }

        return new Result(members, null);
    }

    private static string? InternalIPv4(JsonObject node) =>
        node["status"]?["addresses"]?.AsArray()
            .Where(a => (string?)a?["type"] == "InternalIP")
            .Select(a => (string?)a?["address"])
            .FirstOrDefault(a => IPAddress.TryParse(a, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork);
}
