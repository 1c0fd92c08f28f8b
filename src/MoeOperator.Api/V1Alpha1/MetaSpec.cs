using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The meta servers (stateless; they keep file metadata in FoundationDB).</summary>
public sealed record MetaSpec
{
    /// <summary>Number of meta servers.</summary>
    [Range(1, 64)]
    public int Replicas { get; set; } = 2;

    /// <summary>Labels a node must carry to run meta.</summary>
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Taints meta tolerates.</summary>
    [MaxLength(32)]
    public List<Toleration>? Tolerations { get; set; }

    /// <summary>Compute resources of each meta server.</summary>
    public ResourceRequirements? Resources { get; set; }
}
