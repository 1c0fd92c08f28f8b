using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The expert-parallel load balancer control loop.</summary>
public sealed record EplbSpec
{
    /// <summary>Whether the operator rebalances experts from measured load.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Placement algorithm: Auto, Hierarchical or Global.</summary>
    public EplbPolicy Policy { get; set; } = EplbPolicy.Auto;

    /// <summary>How often measured expert load is evaluated (a duration such as 60s).</summary>
    [RegularExpression(Patterns.Duration)]
    public string Interval { get; set; } = "60s";

    /// <summary>Rebalance only when max/mean GPU load exceeds this ratio.</summary>
    [Range(1.0, 100.0)]
    public double MinImbalance { get; set; } = 1.1;
}
