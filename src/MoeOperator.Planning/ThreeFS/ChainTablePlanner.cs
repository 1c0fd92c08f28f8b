namespace MoeOperator.Planning.ThreeFS;

/// <summary>
/// Cuts storage disks into targets and groups the targets into chains, as upstream's data-placement model does
/// without its integer-programming solver: every chain's replicas sit on distinct nodes, all on the same disk index;
/// every node holds the same number of targets on every disk; the number of chains each pair of nodes shares is as
/// even as the sizes allow (a balanced incomplete block design when one exists); heads are spread over the nodes.
/// Deterministic: the same request always gives the same table.
/// </summary>
public static class ChainTablePlanner
{
    // Local search stops after this many passes without assuming convergence; each pass only ever improves.
    private const int MaxImprovementPasses = 64;

    public static ChainTable Plan(ChainTableRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        var nodes = request.NodeIds.Count;
        var pairs = new int[nodes, nodes];
        var disks = new List<List<int[]>>();
        for (var disk = 0; disk < request.DisksPerNode; disk++)
        {
            var blocks = Greedy(nodes, request.TargetsPerDisk, request.ReplicationFactor, pairs, disk);
            Improve(blocks, pairs);
            disks.Add(blocks);
        }

        var heads = AssignHeads(disks, nodes);
        var chains = Emit(request, disks, heads);
        return new ChainTable(chains, Balance(pairs, chains, request.NodeIds));
    }

    /// <summary>Checks a request; throws <see cref="ChainTablePlanException"/> naming the quantity and the fix.</summary>
    public static void Validate(ChainTableRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var nodes = request.NodeIds.Count;
        var r = request.ReplicationFactor;
        var t = request.TargetsPerDisk;
        if (nodes == 0)
        {
            throw Fail("a chain table needs at least one storage node");
        }

        if (request.NodeIds.Distinct().Count() != nodes || request.NodeIds.Any(id => id is < 1 or > ThreeFSIds.MaxNodeId))
        {
            throw Fail($"storage node ids must be distinct and between 1 and {ThreeFSIds.MaxNodeId}");
        }

        if (r < 1)
        {
            throw Fail($"replication factor ({r}) must be at least 1");
        }

        if (r > nodes)
        {
            throw Fail($"replication factor {r} needs at least {r} storage nodes, one per replica of a chain; got {nodes}: add storage nodes or lower the replication factor");
        }

        if (request.DisksPerNode is < 1 or > ThreeFSIds.MaxDisksPerNode)
        {
            throw Fail($"disks per node ({request.DisksPerNode}) must be between 1 and {ThreeFSIds.MaxDisksPerNode}");
        }

        if (t is < 1 or > ThreeFSIds.MaxTargetsPerDisk)
        {
            throw Fail($"targets per disk ({t}) must be between 1 and {ThreeFSIds.MaxTargetsPerDisk}: a target id gives the target's index on its disk two digits");
        }

        if (nodes * t % r != 0)
        {
            var suggestion = Enumerable.Range(t, ThreeFSIds.MaxTargetsPerDisk - t + 1).FirstOrDefault(c => nodes * c % r == 0);
            var hint = suggestion > 0 ? $"; for example {suggestion} targets per disk" : "";
            throw Fail($"nodes x targets per disk ({nodes} x {t} = {nodes * t}) must be a multiple of the replication factor ({r}): every disk index holds whole chains{hint}");
        }

        if (request.ChainsPerDisk > ThreeFSIds.MaxChainsPerDisk)
        {
            throw Fail($"{request.ChainsPerDisk} chains per disk exceed the {ThreeFSIds.MaxChainsPerDisk} a chain id can number");
        }

        if (request.TargetIdPrefix < 1 || request.ChainIdPrefix < 1 || ThreeFSIds.ChainId(request.ChainIdPrefix, request.DisksPerNode - 1, request.ChainsPerDisk - 1) > uint.MaxValue)
        {
            throw Fail("id prefixes must be positive and chain ids must fit in 32 bits");
        }

        if (request.StripeSize is { } stripe && (stripe < 1 || stripe > request.Chains))
        {
            throw Fail($"stripe size {stripe} must be between 1 and the {request.Chains} chains in the table: a file is striped over distinct chains; lower the stripe size or add targets");
        }
    }

    private static ChainTablePlanException Fail(string message) => new(message);

    // One disk index: chains of R distinct nodes, each node in exactly T of them, each new chain choosing the nodes
    // that share the fewest chains with those already in it. A node that must appear in every remaining chain is
    // taken first, which keeps the rest always completable.
    private static List<int[]> Greedy(int nodes, int targetsPerDisk, int replication, int[,] pairs, int disk)
    {
        var remaining = Enumerable.Repeat(targetsPerDisk, nodes).ToArray();
        var count = nodes * targetsPerDisk / replication;
        var blocks = new List<int[]>(count);
        for (var c = 0; c < count; c++)
        {
            var left = count - c;
            var chosen = new List<int>(replication);
            chosen.AddRange(Enumerable.Range(0, nodes).Where(n => remaining[n] == left));
            var rotation = (c + disk) % nodes;
            while (chosen.Count < replication)
            {
                var best = -1;
                (int Cost, int Remaining, int Order) bestKey = default;
                for (var n = 0; n < nodes; n++)
                {
                    if (remaining[n] == 0 || chosen.Contains(n))
                    {
                        continue;
                    }

                    var cost = 0;
                    foreach (var m in chosen)
                    {
                        cost += pairs[n, m];
                    }

                    var key = (cost, -remaining[n], (n - rotation + nodes) % nodes);
                    if (best < 0 || key.CompareTo(bestKey) < 0)
                    {
                        (best, bestKey) = (n, key);
                    }
                }

                chosen.Add(best);
            }

            foreach (var n in chosen)
            {
                remaining[n]--;
            }

            var block = chosen.Order().ToArray();
            AddPairs(pairs, block, +1);
            blocks.Add(block);
        }

        return blocks;
    }

    // Swaps one node between two chains of the same disk (keeping every node's count per disk) whenever that lowers
    // the sum of squared pair counts, which is least when the counts are as equal as they can be.
    private static void Improve(List<int[]> blocks, int[,] pairs)
    {
        for (var pass = 0; pass < MaxImprovementPasses; pass++)
        {
            var improved = false;
            for (var x = 0; x < blocks.Count; x++)
            {
                for (var y = x + 1; y < blocks.Count; y++)
                {
                    improved |= TrySwaps(blocks[x], blocks[y], pairs);
                }
            }

            if (!improved)
            {
                return;
            }
        }
    }

    private static bool TrySwaps(int[] x, int[] y, int[,] pairs)
    {
        var improved = false;
        for (var i = 0; i < x.Length; i++)
        {
            for (var j = 0; j < y.Length; j++)
            {
                var a = x[i];
                var b = y[j];
                if (a == b || Array.IndexOf(y, a) >= 0 || Array.IndexOf(x, b) >= 0)
                {
                    continue;
                }

                var delta = Move(pairs, x, i, b) + Move(pairs, y, j, a);
                if (delta < 0)
                {
                    improved = true;
                    continue;
                }

                Move(pairs, y, j, b);
                Move(pairs, x, i, a);
            }
        }

        if (improved)
        {
            Array.Sort(x);
            Array.Sort(y);
        }

        return improved;
    }

    // Replaces block[slot] with node, updating the pair counts; returns the change in the sum of squared counts.
    private static int Move(int[,] pairs, int[] block, int slot, int node)
    {
        var delta = 0;
        var old = block[slot];
        for (var k = 0; k < block.Length; k++)
        {
            if (k == slot)
            {
                continue;
            }

            delta += Bump(pairs, old, block[k], -1) + Bump(pairs, node, block[k], +1);
        }

        block[slot] = node;
        return delta;
    }

    private static int Bump(int[,] pairs, int a, int b, int by)
    {
        var before = pairs[a, b];
        pairs[a, b] += by;
        pairs[b, a] += by;
        var after = pairs[a, b];
        return (after * after) - (before * before);
    }

    private static void AddPairs(int[,] pairs, int[] block, int by)
    {
        for (var i = 0; i < block.Length; i++)
        {
            for (var j = i + 1; j < block.Length; j++)
            {
                pairs[block[i], block[j]] += by;
                pairs[block[j], block[i]] += by;
            }
        }
    }

    // The head of each chain: the member leading the fewest chains so far, then moves that take a head from a node
    // with the most to a member with at least two fewer, until none is left.
    private static int[][] AssignHeads(List<List<int[]>> disks, int nodes)
    {
        var led = new int[nodes];
        var heads = disks.Select(blocks => new int[blocks.Count]).ToArray();
        foreach (var (disk, index) in TableOrder(disks))
        {
            var block = disks[disk][index];
            var head = block.MinBy(n => led[n]);
            heads[disk][index] = head;
            led[head]++;
        }

        var moved = true;
        while (moved)
        {
            moved = false;
            for (var disk = 0; disk < disks.Count; disk++)
            {
                for (var index = 0; index < disks[disk].Count; index++)
                {
                    var head = heads[disk][index];
                    var lighter = disks[disk][index].MinBy(n => led[n]);
                    if (led[lighter] + 2 <= led[head])
                    {
                        heads[disk][index] = lighter;
                        led[head]--;
                        led[lighter]++;
                        moved = true;
                    }
                }
            }
        }

        return heads;
    }

    // Table order alternates disks: chain 1 of every disk, then chain 2 of every disk, so a stripe of consecutive
    // chains spreads over disks.
    private static IEnumerable<(int Disk, int Index)> TableOrder(List<List<int[]>> disks)
    {
        var perDisk = disks.Count == 0 ? 0 : disks[0].Count;
        for (var index = 0; index < perDisk; index++)
        {
            for (var disk = 0; disk < disks.Count; disk++)
            {
                yield return (disk, index);
            }
        }
    }

    private static List<Chain> Emit(ChainTableRequest request, List<List<int[]>> disks, int[][] heads)
    {
        var nextIndex = new int[request.NodeIds.Count, disks.Count];
        var chains = new Chain?[disks.Count, disks[0].Count];
        // Target indexes follow chain order on each disk, so a node's targets on a disk are numbered 1..T in order.
        for (var disk = 0; disk < disks.Count; disk++)
        {
            for (var index = 0; index < disks[disk].Count; index++)
            {
                var head = heads[disk][index];
                var members = disks[disk][index].OrderBy(n => n == head ? 0 : 1).ThenBy(n => request.NodeIds[n]);
                var targets = members.Select(n => new ChainTarget(
                    ThreeFSIds.TargetId(request.TargetIdPrefix, request.NodeIds[n], disk, nextIndex[n, disk]++),
                    request.NodeIds[n],
                    disk)).ToList();
                chains[disk, index] = new Chain(ThreeFSIds.ChainId(request.ChainIdPrefix, disk, index), targets);
            }
        }

        return TableOrder(disks).Select(p => chains[p.Disk, p.Index]!).ToList();
    }

    private static ChainTableBalance Balance(int[,] pairs, List<Chain> chains, IReadOnlyList<int> nodeIds)
    {
        var counts = new List<int>();
        for (var a = 0; a < nodeIds.Count; a++)
        {
            for (var b = a + 1; b < nodeIds.Count; b++)
            {
                counts.Add(pairs[a, b]);
            }
        }

        var led = nodeIds.ToDictionary(id => id, _ => 0);
        foreach (var chain in chains)
        {
            led[chain.Targets[0].Node]++;
        }

        return counts.Count == 0
            ? new ChainTableBalance(0, 0, led.Values.Min(), led.Values.Max())
            : new ChainTableBalance(counts.Min(), counts.Max(), led.Values.Min(), led.Values.Max());
    }
}
