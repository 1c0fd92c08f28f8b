namespace MoeOperator.Planning.Eplb;

/// <summary>
/// EPLB, DeepSeek's expert-parallel load balancer. Hierarchical policy (expert groups divisible among nodes): pack
/// expert groups onto nodes, replicate the hottest experts within each node up to its slots, then pack the replicas
/// (each carrying load / replica count) onto the node's GPUs. Otherwise the global policy: the same with one group
/// and one node. Pure; every layer is planned on its own.
/// </summary>
public static class ExpertLoadBalancer
{
    /// <summary>Plans <paramref name="slots"/> physical experts for loads[layer][expert]; throws ArgumentException naming a violated precondition.</summary>
    public static EplbPlan Rebalance(IReadOnlyList<IReadOnlyList<double>> loads, int slots, int groups, int nodes, int gpus)
    {
        ArgumentNullException.ThrowIfNull(loads);
        var experts = Check(loads, slots, groups, nodes, gpus);
        var hierarchical = groups % nodes == 0;
        var layers = loads.Select(layer => hierarchical ? Layer(layer, slots, groups, nodes, gpus) : Layer(layer, slots, 1, 1, gpus)).ToList();
        var maxReplicas = layers.Max(l => l.Replicas.Max());
        var logicalToPhysical = layers.Select(l =>
        {
            var table = Enumerable.Range(0, experts).Select(_ => Enumerable.Repeat(-1, maxReplicas).ToArray()).ToArray();
            for (var slot = 0; slot < slots; slot++)
            {
                table[l.SlotExpert[slot]][l.SlotReplica[slot]] = slot;
            }

            return table;
        }).ToArray();
        return new EplbPlan([.. layers.Select(l => l.SlotExpert)], logicalToPhysical, [.. layers.Select(l => l.Replicas)]);
    }

    /// <summary>The load of each GPU when slot s holds expert plan[s] and each expert's load is split evenly over its replicas.</summary>
    public static double[] GpuLoads(IReadOnlyList<double> load, IReadOnlyList<int> slotExpert, IReadOnlyList<int> replicas, int gpus)
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(slotExpert);
        ArgumentNullException.ThrowIfNull(replicas);
        var perGpu = slotExpert.Count / gpus;
        var result = new double[gpus];
        for (var slot = 0; slot < slotExpert.Count; slot++)
        {
            result[slot / perGpu] += load[slotExpert[slot]] / replicas[slotExpert[slot]];
        }

        return result;
    }

    /// <summary>max / mean (1 is perfect balance; 0 loads count as balanced).</summary>
    public static double Imbalance(IReadOnlyList<double> gpuLoads)
    {
        ArgumentNullException.ThrowIfNull(gpuLoads);
        var mean = gpuLoads.Average();
        return mean == 0 ? 1 : gpuLoads.Max() / mean;
    }

    private static int Check(IReadOnlyList<IReadOnlyList<double>> loads, int slots, int groups, int nodes, int gpus)
    {
        if (loads.Count == 0 || loads[0].Count == 0)
        {
            throw new ArgumentException("the load matrix needs at least one layer with one expert", nameof(loads));
        }

        var experts = loads[0].Count;
        if (loads.Any(l => l.Count != experts))
        {
            throw new ArgumentException($"every layer must list the same number of experts ({experts})", nameof(loads));
        }

        if (loads.Any(l => l.Any(v => v < 0 || double.IsNaN(v))))
        {
            throw new ArgumentException("loads must be non-negative numbers", nameof(loads));
        }

        foreach (var (value, name) in new[] { (slots, "replicas"), (groups, "groups"), (nodes, "nodes"), (gpus, "gpus") })
        {
            if (value <= 0)
            {
                throw new ArgumentException($"{name} ({value}) must be positive", name);
            }
        }

        if (experts % groups != 0)
        {
            throw new ArgumentException($"experts ({experts}) must be divisible by groups ({groups})", nameof(groups));
        }

        if (gpus % nodes != 0)
        {
            throw new ArgumentException($"gpus ({gpus}) must be divisible by nodes ({nodes})", nameof(gpus));
        }

        if (slots % gpus != 0)
        {
            throw new ArgumentException($"replicas ({slots}) must be divisible by gpus ({gpus}): every GPU holds the same number of experts", nameof(slots));
        }

        if (slots < experts)
        {
            throw new ArgumentException($"replicas ({slots}) must be at least the number of experts ({experts})", nameof(slots));
        }

        if (groups % nodes == 0 && slots % nodes == 0 && slots / nodes < experts / nodes)
        {
            throw new ArgumentException($"replicas per node ({slots / nodes}) must hold the node's experts ({experts / nodes})", nameof(slots));
        }

        return experts;
    }

    private static (int[] SlotExpert, int[] SlotReplica, int[] Replicas) Layer(IReadOnlyList<double> load, int slots, int groups, int nodes, int gpus)
    {
        var experts = load.Count;
        var groupSize = experts / groups;
        var groupsPerNode = groups / nodes;
        var expertsPerNode = experts / nodes;
        var slotsPerNode = slots / nodes;
        var gpusPerNode = gpus / nodes;
        var slotsPerGpu = slots / gpus;

        // 1. Expert groups onto nodes; "node-major" ids number the experts node by node.
        var groupLoads = Enumerable.Range(0, groups).Select(g => Enumerable.Range(g * groupSize, groupSize).Sum(e => load[e])).ToArray();
        var (groupNode, groupRank) = BalancedPacking.Pack(groupLoads, nodes);
        var toNodeMajor = new int[experts];
        for (var e = 0; e < experts; e++)
        {
            var g = e / groupSize;
            toNodeMajor[e] = ((groupNode[g] * groupsPerNode) + groupRank[g]) * groupSize + (e % groupSize);
        }

        var fromNodeMajor = Inverse(toNodeMajor);
        var slotExpert = new int[slots];
        var slotReplica = new int[slots];
        var nodeMajorReplicas = new int[experts];
        for (var node = 0; node < nodes; node++)
        {
            // 2. Replicate the node's hottest experts up to its slots.
            var nodeLoad = Enumerable.Range(0, expertsPerNode).Select(i => load[fromNodeMajor[(node * expertsPerNode) + i]]).ToArray();
            var (local, replica, replicas) = ExpertReplication.Replicate(nodeLoad, slotsPerNode);
            Array.Copy(replicas, 0, nodeMajorReplicas, node * expertsPerNode, expertsPerNode);

            // 3. The replicas onto the node's GPUs, each weighing its expert's load / replica count.
            var replicaLoads = local.Select(m => nodeLoad[m] / replicas[m]).ToArray();
            var (gpu, rankOnGpu) = BalancedPacking.Pack(replicaLoads, gpusPerNode);
            var placed = Inverse([.. Enumerable.Range(0, slotsPerNode).Select(p => (gpu[p] * slotsPerGpu) + rankOnGpu[p])]);
            for (var position = 0; position < slotsPerNode; position++)
            {
                var slot = (node * slotsPerNode) + position;
                slotExpert[slot] = fromNodeMajor[(node * expertsPerNode) + local[placed[position]]];
                slotReplica[slot] = replica[placed[position]];
            }
        }

        var counts = Enumerable.Range(0, experts).Select(e => nodeMajorReplicas[toNodeMajor[e]]).ToArray();
        return (slotExpert, slotReplica, counts);
    }

    private static int[] Inverse(int[] permutation)
    {
        var inverse = new int[permutation.Length];
        for (var i = 0; i < permutation.Length; i++)
        {
            inverse[permutation[i]] = i;
        }

        return inverse;
    }
}
