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
    public static SchedulingDecision Decide(JsonObject pod, IReadOnlyList<JsonObject> nodes, IReadOnlyList<JsonObject> boundPods)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(boundPods);
        var requests = PodResources.Requests(pod);
        var active = boundPods.Where(PodResources.IsActive).ToList();
        var failures = new List<(string Node, List<string> Reasons, bool ResourcesOnly)>();
        var feasible = new List<JsonObject>();
        foreach (var node in nodes.OrderBy(n => (string?)n["metadata"]?["name"], StringComparer.Ordinal))
        {
            var name = (string)node["metadata"]!["name"]!;
            var onNode = active.Where(p => (string?)p["spec"]?["nodeName"] == name).ToList();
            var reasons = Filter(pod, node, requests, onNode, nodes, active, out var resourcesOnly);
            if (reasons.Count == 0)
            {
                feasible.Add(node);
            }
            else
            {
                failures.Add((name, reasons, resourcesOnly));
            }
        }

        if (feasible.Count == 0)
        {
            return new SchedulingDecision(null, Message(nodes.Count, failures));
        }

        var best = feasible
            .Select(n => (Node: n, Score: Score(pod, n, requests, active)))
            .OrderByDescending(s => s.Score.Affinity)
            .ThenBy(s => s.Score.Untolerated)
            .ThenBy(s => s.Score.Allocated)
            .ThenBy(s => (string?)s.Node["metadata"]!["name"], StringComparer.Ordinal)
            .First();
        return new SchedulingDecision((string)best.Node["metadata"]!["name"]!, "");
    }

    /// <summary>Whether the node passes the pod's node selector, required node affinity and NoSchedule/NoExecute taints (resources aside).</summary>
    public static bool Admits(JsonObject pod, JsonObject node)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(node);
        return MatchesNodeSelectorAndAffinity(pod, node)
            && Taints(node).All(t => (string?)t["effect"] is not ("NoSchedule" or "NoExecute") || Tolerates(pod, t));
    }

    private static List<string> Filter(JsonObject pod, JsonObject node, Dictionary<string, decimal> requests, List<JsonObject> onNode, IReadOnlyList<JsonObject> nodes, List<JsonObject> active, out bool resourcesOnly)
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

        var insufficient = Insufficient(node, requests, onNode);
        if (insufficient.Count > 0)
        {
            resourcesOnly = true;
            return insufficient;
        }

        if (ViolatesAntiAffinity(pod, node, nodes, active))
        {
            return ["node(s) didn't match pod anti-affinity rules"];
        }

        return ExistingPodsRejectIt(pod, node, nodes, active) ? ["node(s) didn't satisfy existing pods anti-affinity rules"] : [];
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

    private static List<string> Insufficient(JsonObject node, Dictionary<string, decimal> requests, List<JsonObject> onNode)
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

    private static IEnumerable<JsonObject> RequiredAntiAffinity(JsonObject pod) =>
        pod["spec"]?["affinity"]?["podAntiAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?.AsArray().OfType<JsonObject>() ?? [];

    // The pod's own terms: no pod matching a term may share the term's topology domain with it.
    private static bool ViolatesAntiAffinity(JsonObject pod, JsonObject node, IReadOnlyList<JsonObject> nodes, List<JsonObject> active) =>
        RequiredAntiAffinity(pod).Any(term => active.Any(other =>
            InTermNamespaces(term, pod, other)
            && LabelMatching.Matches(term["labelSelector"], other["metadata"]?["labels"] as JsonObject)
            && SameDomain(node, NodeOf(other, nodes), (string?)term["topologyKey"])));

    // Symmetry: a pod already placed with an anti-affinity term matching the new pod keeps it out of its domain.
    private static bool ExistingPodsRejectIt(JsonObject pod, JsonObject node, IReadOnlyList<JsonObject> nodes, List<JsonObject> active) =>
        active.Any(other => RequiredAntiAffinity(other).Any(term =>
            InTermNamespaces(term, other, pod)
            && LabelMatching.Matches(term["labelSelector"], pod["metadata"]?["labels"] as JsonObject)
            && SameDomain(node, NodeOf(other, nodes), (string?)term["topologyKey"])));

    private static bool InTermNamespaces(JsonObject term, JsonObject owner, JsonObject other)
    {
        var namespaces = term["namespaces"]?.AsArray().Select(n => (string?)n).ToList();
        var ns = (string?)other["metadata"]?["namespace"];
        return namespaces is { Count: > 0 } ? namespaces.Contains(ns) : ns == (string?)owner["metadata"]?["namespace"];
    }

    private static JsonObject? NodeOf(JsonObject pod, IReadOnlyList<JsonObject> nodes) =>
        nodes.FirstOrDefault(n => (string?)n["metadata"]?["name"] == (string?)pod["spec"]?["nodeName"]);

    private static bool SameDomain(JsonObject node, JsonObject? other, string? topologyKey)
    {
        if (other is null || string.IsNullOrEmpty(topologyKey))
        {
            return false;
        }

        var value = (string?)node["metadata"]?["labels"]?[topologyKey];
        return value is not null && value == (string?)other["metadata"]?["labels"]?[topologyKey];
    }

    private static (long Affinity, int Untolerated, double Allocated) Score(JsonObject pod, JsonObject node, Dictionary<string, decimal> requests, List<JsonObject> active)
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
                var used = active.Where(p => (string?)p["spec"]?["nodeName"] == name).Sum(p => PodResources.Requests(p).GetValueOrDefault(resource)) + requests.GetValueOrDefault(resource);
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
