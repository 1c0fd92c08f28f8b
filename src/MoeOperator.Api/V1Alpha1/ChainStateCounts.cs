namespace MoeOperator.Api.V1Alpha1;

/// <summary>Chains by health.</summary>
public sealed record ChainStateCounts
{
    /// <summary>All chains in the table.</summary>
    public int? Total { get; set; }

    /// <summary>Chains whose every replica serves.</summary>
    public int? Serving { get; set; }

    /// <summary>Chains that serve with fewer replicas than configured.</summary>
    public int? Degraded { get; set; }

    /// <summary>Chains with no serving replica.</summary>
    public int? Unavailable { get; set; }
}
