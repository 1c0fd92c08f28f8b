namespace MoeOperator.Api.V1Alpha1;

/// <summary>The published expert placement and how balanced it is.</summary>
public sealed record ExpertMapStatus
{
    /// <summary>Version of the map the workers switch to at a step boundary.</summary>
    public long? Version { get; set; }

    /// <summary>Max/mean GPU load measured before the last rebalance.</summary>
    public double? ImbalanceBefore { get; set; }

    /// <summary>Max/mean GPU load EPLB expected after the last rebalance.</summary>
    public double? ImbalanceAfter { get; set; }

    /// <summary>Max/mean GPU load last measured from the ranks' reports.</summary>
    public double? MeasuredImbalance { get; set; }

    /// <summary>The map version that <c>measuredImbalance</c> was measured against.</summary>
    public long? MeasuredVersion { get; set; }

    /// <summary>When the last rebalance was published.</summary>
    public DateTimeOffset? LastRebalanceTime { get; set; }
}
