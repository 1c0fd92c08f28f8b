namespace MoeOperator.Planning.Placement;

/// <summary>A node as the placement planner sees it: labels, what it offers and what is already taken.</summary>
public sealed record CandidateNode(string Name, IReadOnlyDictionary<string, string> Labels, int AllocatableGpus, int RequestedGpus)
{
    public int AllocatableRdma { get; init; }

    public int RequestedRdma { get; init; }

    public IReadOnlyList<NodeTaint> Taints { get; init; } = [];

    public bool Ready { get; init; } = true;

    public bool Unschedulable { get; init; }

    /// <summary>Why this gang must not use the node for now (it refused one of the gang's pods recently), or null.</summary>
    public string? Excluded { get; init; }

    public int FreeGpus => AllocatableGpus - RequestedGpus;

    public int FreeRdma => AllocatableRdma - RequestedRdma;
}

/// <summary>A node taint (effects NoSchedule and NoExecute keep pods out; PreferNoSchedule does not).</summary>
public sealed record NodeTaint(string Key, string? Value, string Effect);

/// <summary>A toleration: operator Equal (key and value) or Exists (key, or every key when empty); no effect means every effect.</summary>
public sealed record GroupToleration(string? Key, string Operator, string? Value, string? Effect)
{
    public bool Tolerates(NodeTaint taint)
    {
        ArgumentNullException.ThrowIfNull(taint);
        if (!string.IsNullOrEmpty(Effect) && Effect != taint.Effect)
        {
            return false;
        }

        return Operator == "Exists"
            ? string.IsNullOrEmpty(Key) || Key == taint.Key
            : Key == taint.Key && (Value ?? "") == (taint.Value ?? "");
    }
}

/// <summary>
/// A gang to place: <see cref="Ranks"/> ranks, <see cref="RanksPerNode"/> on each node (one pod per node), each
/// node needing <see cref="GpusPerNode"/> free GPUs and <see cref="RdmaPerNode"/> free RDMA devices; topology keys
/// from the widest domain to the narrowest.
/// </summary>
public sealed record PlacementRequest(int Ranks, int RanksPerNode, int GpusPerNode)
{
    public int RdmaPerNode { get; init; }

    public IReadOnlyList<string> TopologyKeys { get; init; } = [];

    public IReadOnlyDictionary<string, string> NodeSelector { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<GroupToleration> Tolerations { get; init; } = [];

    public int Nodes => Ranks / RanksPerNode;
}

/// <summary>The nodes chosen, in rank order (node i holds ranks i*ranksPerNode ..), or why the group fits nowhere.</summary>
public sealed record PlacementDecision(IReadOnlyList<string> Nodes, string? Reason)
{
    public bool Fits => Reason is null;

    /// <summary>How many domains the group spans at each topology level, widest first.</summary>
    public IReadOnlyList<int> DomainsPerLevel { get; init; } = [];
}
