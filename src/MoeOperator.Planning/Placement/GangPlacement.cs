using System.Globalization;

namespace MoeOperator.Planning.Placement;

/// <summary>
/// All-or-nothing placement of an expert-parallel group on whole nodes, packed onto the topology: the group spans as
/// few domains as possible at the widest level, then at the next, and so on (one leaf before two leaves, one zone
/// before two); when a domain fits the group, the smallest such domain is used, keeping larger ones free for larger
/// groups. Ranks follow topology order, so neighbouring ranks share the narrowest domains. When the group cannot fit,
/// the reason counts the nodes that do not qualify and why.
/// </summary>
public static class GangPlacement
{
    public static PlacementDecision Place(PlacementRequest request, IReadOnlyList<CandidateNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(nodes);
        if (request.RanksPerNode <= 0 || request.Ranks <= 0 || request.Ranks % request.RanksPerNode != 0)
        {
            throw new ArgumentException($"ranks ({request.Ranks}) must be a positive multiple of ranksPerNode ({request.RanksPerNode}): a group occupies whole nodes", nameof(request));
        }

        var refusals = new Dictionary<string, int>(StringComparer.Ordinal);
        var eligible = new List<CandidateNode>();
        foreach (var node in nodes)
        {
            if (Refusal(request, node) is { } why)
            {
                refusals[why] = refusals.GetValueOrDefault(why) + 1;
            }
            else
            {
                eligible.Add(node);
            }
        }

        var needed = request.Nodes;
        if (eligible.Count < needed)
        {
            var reasons = refusals.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal)
                .Select(r => $"{r.Value.ToString(CultureInfo.InvariantCulture)} {r.Key}");
            var detail = refusals.Count == 0 ? "" : ": " + string.Join(", ", reasons);
            return new PlacementDecision([], $"needs {needed} nodes with {request.GpusPerNode} free GPUs each{(request.RdmaPerNode > 0 ? $" and {request.RdmaPerNode} free RDMA devices" : "")}; {eligible.Count} of {nodes.Count} qualify{detail}");
        }

        var (chosen, cost) = Choose(eligible, request.TopologyKeys, 0, needed);
        var ordered = chosen
            .OrderBy(n => string.Join('\u0001', request.TopologyKeys.Select(k => Domain(n, k))), StringComparer.Ordinal)
            .ThenBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => n.Name)
            .ToList();
        return new PlacementDecision(ordered, null) { DomainsPerLevel = cost };
    }

    private static string? Refusal(PlacementRequest request, CandidateNode node)
    {
        if (!node.Ready)
        {
            return "not ready";
        }

        if (node.Unschedulable)
        {
            return "unschedulable (cordoned)";
        }

        if (node.Excluded is { } excluded)
        {
            return excluded;
        }

        if (request.NodeSelector.Any(s => !node.Labels.TryGetValue(s.Key, out var value) || value != s.Value))
        {
            return "not matching the node selector";
        }

        if (node.Taints.FirstOrDefault(t => t.Effect is "NoSchedule" or "NoExecute" && !request.Tolerations.Any(tol => tol.Tolerates(t))) is { } taint)
        {
            return $"with the untolerated taint {taint.Key}{(taint.Value is null ? "" : "=" + taint.Value)}:{taint.Effect}";
        }

        if (node.FreeGpus < request.GpusPerNode)
        {
            return $"with fewer than {request.GpusPerNode} free GPUs";
        }

        return node.FreeRdma < request.RdmaPerNode ? $"with fewer than {request.RdmaPerNode} free RDMA devices" : null;
    }

    // A node without a topology label is a domain of its own: it packs with nothing.
    private static string Domain(CandidateNode node, string key) =>
        node.Labels.TryGetValue(key, out var value) ? value : "\uffff" + node.Name;

    // Picks n nodes from candidates at topology level `level`; the cost counts the domains used per level from here.
    private static (List<CandidateNode> Nodes, int[] Cost) Choose(List<CandidateNode> candidates, IReadOnlyList<string> keys, int level, int n)
    {
        if (level == keys.Count)
        {
            return ([.. candidates.OrderBy(c => c.Name, StringComparer.Ordinal).Take(n)], []);
        }

        var domains = candidates.GroupBy(c => Domain(c, keys[level]))
            .Select(g => (Name: g.Key, Nodes: g.ToList()))
            .OrderBy(d => d.Name, StringComparer.Ordinal)
            .ToList();
        var fitting = domains.Where(d => d.Nodes.Count >= n).ToList();
        if (fitting.Count > 0)
        {
            return fitting
                .Select(d => (d.Nodes.Count, d.Name, Pick: Choose(d.Nodes, keys, level + 1, n)))
                .OrderBy(c => c.Pick.Cost, CostComparer.Instance)
                .ThenBy(c => c.Count)
                .ThenBy(c => c.Name, StringComparer.Ordinal)
                .Select(c => (c.Pick.Nodes, (int[])[1, .. c.Pick.Cost]))
                .First();
        }

        // No single domain holds the group: whole largest domains first, then the best-fitting one for the rest.
        var chosen = new List<CandidateNode>();
        var cost = new int[keys.Count - level];
        var remaining = n;
        var pool = domains.OrderByDescending(d => d.Nodes.Count).ThenBy(d => d.Name, StringComparer.Ordinal).ToList();
        while (remaining > 0)
        {
            var last = pool.Where(d => d.Nodes.Count >= remaining).OrderBy(d => d.Nodes.Count).ThenBy(d => d.Name, StringComparer.Ordinal).FirstOrDefault();
            var domain = last.Nodes is not null ? last : pool[0];
            var take = Math.Min(remaining, domain.Nodes.Count);
            var (nodes, subCost) = Choose(domain.Nodes, keys, level + 1, take);
            chosen.AddRange(nodes);
            cost[0]++;
            for (var i = 0; i < subCost.Length; i++)
            {
                cost[i + 1] += subCost[i];
            }

            remaining -= take;
            pool.Remove(domain);
        }

        return (chosen, cost);
    }

    private sealed class CostComparer : IComparer<int[]>
    {
        public static CostComparer Instance { get; } = new();

        public int Compare(int[]? x, int[]? y)
        {
            for (var i = 0; i < Math.Min(x!.Length, y!.Length); i++)
            {
                if (x[i] != y[i])
                {
                    return x[i].CompareTo(y[i]);
                }
            }

            return x.Length.CompareTo(y.Length);
        }
    }
}
