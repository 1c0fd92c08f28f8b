using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>One 3FS daemon the operator placed; its node id stays with its node for the cluster's life.</summary>
public sealed record ThreeFSMember
{
    /// <summary>The program: mgmtd, meta or storage.</summary>
    [Required, MaxLength(16)]
    public string Component { get; set; } = "";

    /// <summary>The 3FS node id (mgmtd 1.., meta 100.., storage 10001..).</summary>
    [Range(1, 999999)]
    public int NodeId { get; set; }

    /// <summary>The Kubernetes node it runs on.</summary>
    [Required, MaxLength(253)]
    public string Node { get; set; } = "";

    /// <summary>The node's IPv4 address, as the 3FS configs name it.</summary>
    [MaxLength(15)]
    public string? Address { get; set; }
}
