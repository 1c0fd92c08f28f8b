namespace MoeOperator.DevCluster.Cluster;

/// <summary>
/// The simulated machines: how many, what each offers, and how they sit in the network. Nodes are laid out in
/// order: consecutive nodes share an NVLink domain, then a leaf switch, then a spine, then a zone, so a small pool
/// already has every topology level an operator packs onto.
/// </summary>
public sealed record NodePoolSpec
{
    /// <summary>Number of nodes.</summary>
    public int Nodes { get; init; } = 4;

    /// <summary>GPUs per node (<c>nvidia.com/gpu</c>).</summary>
    public int GpusPerNode { get; init; } = 2;

    /// <summary>RDMA devices per node, under <see cref="RdmaResourceName"/>.</summary>
    public int RdmaPerNode { get; init; } = 2;

    /// <summary>The extended resource that RDMA devices are counted in.</summary>
    public string RdmaResourceName { get; init; } = "rdma/hca";

    /// <summary>CPU per node, as a quantity.</summary>
    public string Cpu { get; init; } = "16";

    /// <summary>Memory per node, as a quantity.</summary>
    public string Memory { get; init; } = "64Gi";

    /// <summary>Pods per node.</summary>
    public int MaxPods { get; init; } = 110;

    /// <summary>The GPU model in the <c>nvidia.com/gpu.product</c> label.</summary>
    public string GpuProduct { get; init; } = "NVIDIA-H200";

    /// <summary>Nodes sharing one NVLink domain (<c>nvidia.com/gpu.clique</c>); 1 when NVLink stays inside a node.</summary>
    public int NodesPerNvlinkDomain { get; init; } = 1;

    /// <summary>Nodes under one leaf (rail) switch.</summary>
    public int NodesPerLeaf { get; init; } = 2;

    /// <summary>Leaf switches under one spine (block).</summary>
    public int LeavesPerSpine { get; init; } = 2;

    /// <summary>Number of zones the spines are spread over.</summary>
    public int Zones { get; init; } = 1;

    /// <summary>Taints every node carries, as <c>key=value:Effect</c> or <c>key:Effect</c>.</summary>
    public IReadOnlyList<string> Taints { get; init; } = [];

    /// <summary>Extra labels of every node.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The first problem with the spec, naming the field, or null when it is usable.</summary>
    public string? Problem()
    {
        if (Nodes is < 0 or > 1000)
        {
            return $"nodes ({Nodes}) must be between 0 and 1000";
        }

        foreach (var (name, value) in new[] { ("gpus-per-node", GpusPerNode), ("rdma-per-node", RdmaPerNode) })
        {
            if (value is < 0 or > 64)
            {
                return $"{name} ({value}) must be between 0 and 64";
            }
        }

        foreach (var (name, value) in new[] { ("nodes-per-nvlink-domain", NodesPerNvlinkDomain), ("nodes-per-leaf", NodesPerLeaf), ("leaves-per-spine", LeavesPerSpine), ("zones", Zones), ("max-pods", MaxPods) })
        {
            if (value < 1)
            {
                return $"{name} ({value}) must be at least 1";
            }
        }

        return Taints.FirstOrDefault(t => NodeBuilder.ParseTaint(t) is null) is { } bad
            ? $"taint '{bad}' must look like key=value:NoSchedule, key:NoExecute or key=value:PreferNoSchedule"
            : null;
    }
}
