using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>Deterministic generated token sequences.</summary>
public sealed record SyntheticData
{
    /// <summary>Sequences in the generated data set.</summary>
    [Range(1, 1000000000)]
    public int Sequences { get; set; } = 100000;
}
