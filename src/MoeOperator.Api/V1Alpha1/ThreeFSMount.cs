using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>A 3FS file system made available inside the pods through the node's FUSE mount.</summary>
public sealed record ThreeFSMount
{
    /// <summary>Name of the ThreeFSCluster in the same namespace.</summary>
    [Required, MaxLength(63), RegularExpression(Patterns.DnsLabel)]
    public string ClusterRef { get; set; } = "";

    /// <summary>Directory inside 3FS to expose.</summary>
    [RegularExpression(Patterns.AbsolutePath)]
    public string Path { get; set; } = "/";

    /// <summary>Where the directory appears inside the containers.</summary>
    [RegularExpression(Patterns.AbsolutePath)]
    public string MountPath { get; set; } = "/3fs";

    /// <summary>Mount read-only.</summary>
    public bool ReadOnly { get; set; }
}
