using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>A directory on a ThreeFSCluster in the same namespace.</summary>
public sealed record ThreeFSLocation
{
    /// <summary>Name of the ThreeFSCluster.</summary>
    [Required, MaxLength(63), RegularExpression(Patterns.DnsLabel)]
    public string ClusterRef { get; set; } = "";

    /// <summary>Directory inside 3FS.</summary>
    [Required, RegularExpression(Patterns.AbsolutePath)]
    public string Path { get; set; } = "";
}
