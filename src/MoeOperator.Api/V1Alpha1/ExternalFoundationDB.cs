using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>An existing FoundationDB cluster.</summary>
public sealed record ExternalFoundationDB
{
    /// <summary>Secret holding the fdb.cluster file.</summary>
    [Required]
    public SecretKeySelector ClusterFileSecret { get; set; } = new();
}
