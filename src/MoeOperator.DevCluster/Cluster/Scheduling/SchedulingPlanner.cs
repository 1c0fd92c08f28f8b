using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.Planning.Placement;
using MoeOperator.Planning.Resources;

namespace MoeOperator.DevCluster.Cluster.Scheduling;

/// <summary>
/// kube-scheduler's default filters and scores, as a pure function: which node a pending pod binds to, or the
/// message kube-scheduler writes when it fits nowhere. Filters, in kube-scheduler's order: NodeUnschedulable,
/// TaintToleration (NoSchedule and NoExecute), NodeAffinity (nodeSelector and required node affinity),
/// NodeResourcesFit (every requested resource including extended ones, and the pod count), InterPodAffinity
/// (required anti-affinity of the pod, and of the pods already there). Scores: preferred node affinity weight,
/// fewest untolerated PreferNoSchedule taints, then the least allocated node; ties go to the first name.
/// </summary>
public static class SchedulingPlanner
{
    public static SchedulingDecision Decide(JsonObject pod, IReadOnlyList<JsonObject> nodes, IReadOnlyList<JsonObject> boundPods) =>
        Decide(pod, new PlacedPods(nodes, boundPods));

    public static SchedulingDecision Decide(JsonObject pod, PlacedPods placed)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(placed);
        var requests = PodResources.Requests(pod);
        // A pod pinned to named nodes (daemon and gang-placed pods) can only fit one of them: look there first,
        // and at every node only when none fits, for kube-scheduler's count of why each node failed.
        if (PinnedNodes(pod, placed) is { } pinned && Feasible(pod, pinned, requests, placed, []) is { Count: > 0 } fits)
        {
            return Best(pod, fits, requests, placed);
        }

        var failures = new List<(string Node, List<string> Reasons, bool ResourcesOnly)>();
        var feasible = Feasible(pod, placed.Nodes, requests, placed, failures);
        return feasible.Count == 0 ? new SchedulingDecision(null, Message(placed.Nodes.Count, failures)) : Best(pod, feasible, requests, placed);
    }

    private static List<JsonObject> Feasible(JsonObject pod, IEnumerable<JsonObject> nodes, Dictionary<string, decimal> requests, PlacedPods placed, List<(string Node, List<string> Reasons, bool ResourcesOnly)> failures)
    {
        var feasible = new List<JsonObject>();
        foreach (var node in nodes)
        {
            var name = (string)node["metadata"]!["name"]!;
            var reasons = Filter(pod, node, requests, placed, out var resourcesOnly);
            if (reasons.Count == 0)
            {
                feasible.Add(node);
            }
            else
            {
                failures.Add((name, reasons, resourcesOnly));
            }
        }

        return feasible;
    }

    private static SchedulingDecision Best(JsonObject pod, List<JsonObject> feasible, Dictionary<string, decimal> requests, PlacedPods placed)
    {
        var best = feasible
            .Select(n => (Node: n, Score: Score(pod, n, requests, placed)))
            .OrderByDescending(s => s.Score.Affinity)
            .ThenBy(s => s.Score.Untolerated)
            .ThenBy(s => s.Score.Allocated)
            .ThenBy(s => (string?)s.Node["metadata"]!["name"], StringComparer.Ordinal)
            .First();
        return new SchedulingDecision((string)best.Node["metadata"]!["name"]!, "");
    }

    // The nodes a required node affinity names, when every one of its terms requires metadata.name In [...]: no
    // other node can match. Null when any term leaves other nodes possible.
    private static List<JsonObject>? PinnedNodes(JsonObject pod, PlacedPods placed)
    {
        if (pod["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"] is not JsonArray { Count: > 0 } terms)
        {
            return null;
        }

        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var term in terms)
        {
            var byName = term?["matchFields"]?.AsArray().FirstOrDefault(f => (string?)f?["key"] == "metadata.name" && (string?)f?["operator"] == "In");
            if (byName?["values"] is not JsonArray values)
            {
                return null;
            }

            names.UnionWith(values.Select(v => (string?)v ?? ""));
        }

        return [.. names.Select(n => placed.NodesByName.GetValueOrDefault(n)).OfType<JsonObject>()];
    }

    /// <summary>Whether the node passes the pod's node selector, required node affinity and NoSchedule/NoExecute taints (resources aside).</summary>
    public static bool Admits(JsonObject pod, JsonObject node)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(node);
        return MatchesNodeSelectorAndAffinity(pod, node)
            && Taints(node).All(t => (string?)t["effect"] is not ("NoSchedule" or "NoExecute") || Tolerates(pod, t));
    }

    private static List<string> Filter(JsonObject pod, JsonObject node, Dictionary<string, decimal> requests, PlacedPods placed, out bool resourcesOnly)
    {
        resourcesOnly = false;
        if ((bool?)node["spec"]?["unschedulable"] == true && !Tolerates(pod, new JsonObject { ["key"] = "node.kubernetes.io/unschedulable", ["effect"] = "NoSchedule" }))
        {
            return ["node(s) were unschedulable"];
        }

        var untolerated = Taints(node).FirstOrDefault(t => (string?)t["effect"] is "NoSchedule" or "NoExecute" && !Tolerates(pod, t));
        if (untolerated is not null)
        {
            return [$"node(s) had untolerated taint {{{(string?)untolerated["key"]}: {(string?)untolerated["value"]}}}"];
        }

        if (!MatchesNodeSelectorAndAffinity(pod, node))
        {
            return ["node(s) didn't match Pod's node affinity/selector"];
        }

        var insufficient = Insufficient(node, requests, placed.On((string)node["metadata"]!["name"]!));
        if (insufficient.Count > 0)
        {
            resourcesOnly = true;
            return insufficient;
        }

        if (ViolatesAntiAffinity(pod, node, placed))
        {
            return ["node(s) didn't match pod anti-affinity rules"];
        }

        return ExistingPodsRejectIt(pod, node, placed) ? ["node(s) didn't satisfy existing pods anti-affinity rules"] : [];
    }

    private static IEnumerable<JsonObject> Taints(JsonObject node) => node["spec"]?["taints"]?.AsArray().OfType<JsonObject>() ?? [];

    // The same toleration rules the gang placement planner uses.
    private static bool Tolerates(JsonObject pod, JsonObject taint)
    {
        var nodeTaint = new NodeTaint((string?)taint["key"] ?? "", (string?)taint["value"], (string?)taint["effect"] ?? "");
        return (pod["spec"]?["tolerations"]?.AsArray().OfType<JsonObject>() ?? []).Any(t =>
            new GroupToleration((string?)t["key"], (string?)t["operator"] ?? "Equal", (string?)t["value"], (string?)t["effect"]).Tolerates(nodeTaint));
    }

    private static bool MatchesNodeSelectorAndAffinity(JsonObject pod, JsonObject node)
    {
        var labels = node["metadata"]?["labels"] as JsonObject;
        var selector = pod["spec"]?["nodeSelector"]?.AsObject() ?? [];
        if (selector.Any(p => (string?)labels?[p.Key] != (string?)p.Value))
        {
            return false;
        }

        var terms = pod["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"]?.AsArray().OfType<JsonObject>().ToList();
        return terms is null || terms.Any(t => LabelMatching.TermMatches(t, node));
    }

    private static List<string> Insufficient(JsonObject node, Dictionary<string, decimal> requests, IReadOnlyCollection<JsonObject> onNode)
    {
        var allocatable = node["status"]?["allocatable"]?.AsObject() ?? [];
        var reasons = new List<string>();
        if (onNode.Count + 1 > Quantity.Parse((string?)allocatable["pods"]))
        {
            reasons.Add("Too many pods");
        }

        var used = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var pod in onNode)
        {
            foreach (var (name, amount) in PodResources.Requests(pod))
            {
                used[name] = used.GetValueOrDefault(name) + amount;
            }
        }

        foreach (var (name, amount) in requests.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (amount > 0 && used.GetValueOrDefault(name) + amount > Quantity.Parse((string?)allocatable[name]))
            {
                reasons.Add($"Insufficient {name}");
            }
        }

        return reasons;
    }

    internal static IEnumerable<JsonObject> RequiredAntiAffinity(JsonObject pod) =>
        pod["spec"]?["affinity"]?["podAntiAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?.AsArray().OfType<JsonObject>() ?? [];

    // The pod's own terms: no pod matching a term may share the term's topology domain with it (the pods of every
    // node in the node's domain are looked at, and only for a pod that has such terms).
    private static bool ViolatesAntiAffinity(JsonObject pod, JsonObject node, PlacedPods placed) =>
        RequiredAntiAffinity(pod).Any(term => placed.Nodes.Any(candidate => SameDomain(node, candidate, (string?)term["topologyKey"])
            && placed.On((string)candidate["metadata"]!["name"]!).Any(other =>
                InTermNamespaces(term, pod, other)
                && LabelMatching.Matches(term["labelSelector"], other["metadata"]?["labels"] as JsonObject))));

    // Symmetry: a pod already placed with an anti-affinity term matching the new pod keeps it out of its domain.
    private static bool ExistingPodsRejectIt(JsonObject pod, JsonObject node, PlacedPods placed) =>
        placed.WithAntiAffinity.Any(other => RequiredAntiAffinity(other).Any(term =>
            InTermNamespaces(term, other, pod)
            && LabelMatching.Matches(term["labelSelector"], pod["metadata"]?["labels"] as JsonObject)
            && SameDomain(node, placed.NodesByName.GetValueOrDefault((string?)other["spec"]?["nodeName"] ?? ""), (string?)term["topologyKey"])));

    private static bool InTermNamespaces(JsonObject term, JsonObject owner, JsonObject other)
    {
        var namespaces = term["namespaces"]?.AsArray().Select(n => (string?)n).ToList();
        var ns = (string?)other["metadata"]?["namespace"];
        return namespaces is { Count: > 0 } ? namespaces.Contains(ns) : ns == (string?)owner["metadata"]?["namespace"];
    }

    private static bool SameDomain(JsonObject node, JsonObject? other, string? topologyKey)
    {
        if (other is null || string.IsNullOrEmpty(topologyKey))
        {
            return false;
        }

        var value = (string?)node["metadata"]?["labels"]?[topologyKey];
        return value is not null && value == (string?)other["metadata"]?["labels"]?[topologyKey];
    }

    private static (long Affinity, int Untolerated, double Allocated) Score(JsonObject pod, JsonObject node, Dictionary<string, decimal> requests, PlacedPods placed)
    {
        var preferred = pod["spec"]?["affinity"]?["nodeAffinity"]?["preferredDuringSchedulingIgnoredDuringExecution"]?.AsArray().OfType<JsonObject>() ?? [];
        var affinity = preferred
            .Where(p => p["preference"] is JsonObject term && LabelMatching.TermMatches(term, node))
            .Sum(p => JsonNumbers.Long(p["weight"]) ?? 0);
        var untolerated = Taints(node).Count(t => (string?)t["effect"] == "PreferNoSchedule" && !Tolerates(pod, t));
        var name = (string?)node["metadata"]?["name"];
        var allocatable = node["status"]?["allocatable"]?.AsObject() ?? [];
        var fractions = new List<double>();
        foreach (var resource in new[] { "cpu", "memory" })
        {
            var capacity = Quantity.Parse((string?)allocatable[resource]);
            if (capacity > 0)
            {
                var used = placed.On(name ?? "").Sum(p => PodResources.Requests(p).GetValueOrDefault(resource)) + requests.GetValueOrDefault(resource);
                fractions.Add((double)(used / capacity));
            }
        }

        return (affinity, untolerated, fractions.Count == 0 ? 0 : fractions.Average());
    }

    private static string Message(int nodeCount, List<(string Node, List<string> Reasons, bool ResourcesOnly)> failures)
    {
        var histogram = failures.SelectMany(f => f.Reasons)
            .GroupBy(r => r, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Count().ToString(CultureInfo.InvariantCulture)} {g.Key}");
        var victims = failures.Count(f => f.ResourcesOnly);
        var notHelpful = failures.Count - victims;
        var preemption = new List<string>();
        if (victims > 0)
        {
            preemption.Add($"{victims.ToString(CultureInfo.InvariantCulture)} No preemption victims found for incoming pod");
        }

        if (notHelpful > 0)
        {
            preemption.Add($"{notHelpful.ToString(CultureInfo.InvariantCulture)} Preemption is not helpful for scheduling");
        }

        var prefix = $"0/{nodeCount.ToString(CultureInfo.InvariantCulture)} nodes are available";
        return nodeCount == 0
            ? "no nodes available to schedule pods"
            : $"{prefix}: {string.Join(", ", histogram)}. preemption: {prefix}: {string.Join(", ", preemption)}.";
    }
}
