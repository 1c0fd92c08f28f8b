using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The mgmtd daemons.</summary>
public sealed record MgmtdSpec
{
    /// <summary>Number of mgmtd instances; one is primary, the others stand by.</summary>
    [Range(1, 7)]
    [OnChange(SpecChange.Immutable, "mgmtd instances keep their nodes and node ids for the cluster's life; resizing or moving them is not supported")]
    public int Replicas { get; set; } = 3;

    /// <summary>Labels a node must carry to run mgmtd.</summary>
    [OnChange(SpecChange.Immutable, "mgmtd instances keep their nodes and node ids for the cluster's life; resizing or moving them is not supported")]
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Taints mgmtd tolerates.</summary>
    [MaxLength(32)]
    [OnChange(SpecChange.Immutable, "mgmtd instances keep their nodes and node ids for the cluster's life; resizing or moving them is not supported")]
    public List<Toleration>? Tolerations { get; set; }

    /// <summary>Compute resources of each mgmtd.</summary>
    [OnChange(SpecChange.Roll, "daemons are replaced one at a time (mgmtd, meta, then storage), each storage daemon only once every chain fully serves again; phase Upgrading shows the progress")]
    public ResourceRequirements? Resources { get; set; }
}
