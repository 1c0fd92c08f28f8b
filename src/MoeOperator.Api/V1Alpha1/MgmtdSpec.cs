using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The mgmtd daemons.</summary>
public sealed record MgmtdSpec
{
    /// <summary>Number of mgmtd instances; one is primary, the others stand by.</summary>
    [Range(1, 7)]
    public int Replicas { get; set; } = 3;

    /// <summary>Labels a node must carry to run mgmtd.</summary>
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Taints mgmtd tolerates.</summary>
    [MaxLength(32)]
    public List<Toleration>? Tolerations { get; set; }

    /// <summary>Compute resources of each mgmtd.</summary>
    public ResourceRequirements? Resources { get; set; }
}
