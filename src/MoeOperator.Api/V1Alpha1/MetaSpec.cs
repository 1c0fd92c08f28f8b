using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The meta servers (stateless; they keep file metadata in FoundationDB).</summary>
public sealed record MetaSpec
{
    /// <summary>Number of meta servers.</summary>
    [Range(1, 64)]
    [OnChange(SpecChange.Immutable, "meta instances keep their nodes and node ids for the cluster's life; resizing or moving them is not supported")]
    public int Replicas { get; set; } = 2;

    /// <summary>Labels a node must carry to run meta.</summary>
    [OnChange(SpecChange.Immutable, "meta instances keep their nodes and node ids for the cluster's life; resizing or moving them is not supported")]
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Taints meta tolerates.</summary>
    [MaxLength(32)]
    [OnChange(SpecChange.Immutable, "meta instances keep their nodes and node ids for the cluster's life; resizing or moving them is not supported")]
    public List<Toleration>? Tolerations { get; set; }

    /// <summary>Compute resources of each meta server.</summary>
    [OnChange(SpecChange.Roll, "daemons are replaced one at a time (mgmtd, meta, then storage), each storage daemon only once every chain fully serves again; phase Upgrading shows the progress")]
    public ResourceRequirements? Resources { get; set; }
}
