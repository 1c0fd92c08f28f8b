using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>A directory on a PersistentVolumeClaim in the same namespace.</summary>
public sealed record PvcLocation
{
    /// <summary>Name of the claim.</summary>
    [Required, MaxLength(253)]
    public string ClaimName { get; set; } = "";

    /// <summary>Directory inside the volume.</summary>
    [RegularExpression(Patterns.AbsolutePath)]
    public string Path { get; set; } = "/";
}
