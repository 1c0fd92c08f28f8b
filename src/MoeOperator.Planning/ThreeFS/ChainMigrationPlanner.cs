namespace MoeOperator.Planning.ThreeFS;

/// <summary>
/// Plans adding storage nodes to a chain table, the procedure upstream's add-storage-nodes guide describes (and
/// m3fs automates): a balanced table is planned for the larger node set, each existing chain is matched with the
/// planned chain on the same disk that shares most of its nodes (so as few replicas as possible move), the
/// differences become replica moves, and the planned chains left over become new chains with new ids. Existing
/// targets keep their ids; new targets take indexes never used on their disk. Pure and deterministic.
/// </summary>
public static class ChainMigrationPlanner
{
    public static ChainMigration Plan(ChainTable current, ChainTableRequest grown)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(grown);
        var oldNodes = current.Chains.SelectMany(c => c.Targets).Select(t => t.Node).Distinct().ToHashSet();
        if (!oldNodes.IsSubsetOf(grown.NodeIds))
        {
            throw new ChainTablePlanException($"the grown node set must keep every current storage node; missing {string.Join(", ", oldNodes.Except(grown.NodeIds).Order())}");
        }

        var fresh = ChainTablePlanner.Plan(grown);
        var usedIndexes = current.Chains.SelectMany(c => c.Targets)
            .GroupBy(t => (t.Node, t.Disk))
            .ToDictionary(g => g.Key, g => g.Select(t => (int)(t.Id % 100)).ToHashSet());
        var moves = new List<ReplicaMove>();
        var newChains = new List<Chain>();
        var final = new Dictionary<long, Chain>();
        foreach (var disk in Enumerable.Range(0, grown.DisksPerNode))
        {
            var olds = current.Chains.Where(c => c.Targets[0].Disk == disk).OrderBy(c => c.Id).ToList();
            var planned = fresh.Chains.Where(c => c.Targets[0].Disk == disk).Select(c => c.Targets.Select(t => t.Node).ToList()).ToList();
            var matches = Match(olds, planned);
            foreach (var (chain, index) in matches)
            {
                var wanted = planned[index];
                var kept = chain.Targets.Where(t => wanted.Contains(t.Node)).ToList();
                var leaving = chain.Targets.Where(t => !wanted.Contains(t.Node)).ToList();
                var arriving = wanted.Where(n => chain.Targets.All(t => t.Node != n)).ToList();
                var added = arriving.Select(node => NewTarget(grown, usedIndexes, node, disk)).ToList();
                moves.AddRange(leaving.Zip(added, (from, to) => new ReplicaMove(chain.Id, from, to)));
                final[chain.Id] = new Chain(chain.Id, [.. kept, .. added]);
            }

            var nextIndex = olds.Count;
            foreach (var index in Enumerable.Range(0, planned.Count).Where(i => !matches.Any(m => m.Index == i)))
            {
                var chain = new Chain(
                    ThreeFSIds.ChainId(grown.ChainIdPrefix, disk, nextIndex++),
                    [.. planned[index].Select(node => NewTarget(grown, usedIndexes, node, disk))]);
                newChains.Add(chain);
                final[chain.Id] = chain;
            }
        }

        // Table order as the planner lays it out: chain 1 of every disk, then chain 2 of every disk, ...
        var ordered = final.Values.OrderBy(c => c.Id % 100_000).ThenBy(c => c.Targets[0].Disk).ToList();
        // The final chains hold exactly the fresh plan's node sets, so its pair counts are theirs; heads are where
        // the kept replicas put them, so they are counted again.
        var heads = ordered.GroupBy(c => c.Targets[0].Node).Select(g => g.Count()).ToList();
        var missing = grown.NodeIds.Count - heads.Count;
        var balance = fresh.Balance with { MinHeadsPerNode = missing > 0 ? 0 : heads.Min(), MaxHeadsPerNode = heads.Max() };
        return new ChainMigration(moves, newChains, new ChainTable(ordered, balance));
    }

    // Each existing chain to the planned chain of its disk sharing most nodes, greedily from the best overlap.
    private static List<(Chain Chain, int Index)> Match(List<Chain> olds, List<List<int>> planned)
    {
        var candidates = olds.SelectMany(c => planned.Select((nodes, i) => (Chain: c, Index: i, Overlap: c.Targets.Count(t => nodes.Contains(t.Node)))))
            .OrderByDescending(p => p.Overlap).ThenBy(p => p.Chain.Id).ThenBy(p => p.Index)
            .ToList();
        var matches = new List<(Chain, int)>();
        var usedChains = new HashSet<long>();
        var usedPlanned = new HashSet<int>();
        foreach (var (chain, index, _) in candidates)
        {
            if (!usedChains.Contains(chain.Id) && !usedPlanned.Contains(index))
            {
                usedChains.Add(chain.Id);
                usedPlanned.Add(index);
                matches.Add((chain, index));
            }
        }

        return matches;
    }

    private static ChainTarget NewTarget(ChainTableRequest grown, Dictionary<(int Node, int Disk), HashSet<int>> used, int node, int disk)
    {
        var taken = used.TryGetValue((node, disk), out var set) ? set : used[(node, disk)] = [];
        var index = Enumerable.Range(1, ThreeFSIds.MaxTargetsPerDisk).FirstOrDefault(i => !taken.Contains(i));
        if (index == 0)
        {
            throw new ChainTablePlanException($"node {node} disk {disk} has no target index left (at most {ThreeFSIds.MaxTargetsPerDisk} over the cluster's life)");
        }

        taken.Add(index);
        return new ChainTarget(ThreeFSIds.TargetId(grown.TargetIdPrefix, node, disk, index - 1), node, disk);
    }
}
