using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>A key of a Secret in the same namespace.</summary>
public sealed record SecretKeySelector
{
    /// <summary>Name of the Secret.</summary>
    [Required, MaxLength(253)]
    public string Name { get; set; } = "";

    /// <summary>Key within the Secret.</summary>
    [MaxLength(253)]
    public string Key { get; set; } = "fdb.cluster";
}
