using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>Where a group's pods may run and how they are packed onto the topology.</summary>
public sealed record PlacementSpec
{
    /// <summary>Node label keys from the widest topology domain to the narrowest (for example zone, spine, leaf); ranks are packed into as few domains as possible at each level.</summary>
    [MaxLength(8)]
    public List<string>? TopologyKeys { get; set; }

    /// <summary>Labels a node must carry to be used.</summary>
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Taints the pods tolerate.</summary>
    [MaxLength(32)]
    public List<Toleration>? Tolerations { get; set; }
}
