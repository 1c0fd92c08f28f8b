using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>What happens when a rank fails: the whole group restarts, with backoff, up to a cap.</summary>
public sealed record FailurePolicySpec
{
    /// <summary>Whole-group restarts allowed before the resource is marked Failed.</summary>
    [Range(0, 1000)]
    public int MaxRestarts { get; set; } = 3;

    /// <summary>Delay before the first restart; it doubles after each further failure (a duration such as 10s).</summary>
    [RegularExpression(Patterns.Duration)]
    public string InitialBackoff { get; set; } = "10s";

    /// <summary>Upper bound of the restart delay (a duration such as 5m).</summary>
    [RegularExpression(Patterns.Duration)]
    public string MaxBackoff { get; set; } = "5m";
}
