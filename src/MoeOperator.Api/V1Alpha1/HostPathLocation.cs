using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>A directory present on every node the job runs on.</summary>
public sealed record HostPathLocation
{
    /// <summary>Absolute path on the node.</summary>
    [Required, RegularExpression(Patterns.AbsolutePath)]
    public string Path { get; set; } = "";
}
