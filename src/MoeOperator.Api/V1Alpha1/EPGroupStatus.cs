namespace MoeOperator.Api.V1Alpha1;

/// <summary>The observed state of an expert-parallel group.</summary>
public sealed record EPGroupStatus
{
    /// <summary>Summary of the group's state.</summary>
    public EPGroupPhase? Phase { get; set; }

    /// <summary>The metadata.generation this status describes.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary>Conditions: Scheduled, Ready, Rebalanced.</summary>
    public List<Condition>? Conditions { get; set; }

    /// <summary>Ranks whose pod is ready.</summary>
    public int? ReadyRanks { get; set; }

    /// <summary>Which node holds which ranks.</summary>
    public List<RankPlacement>? Placement { get; set; }

    /// <summary>Whole-group restarts so far.</summary>
    public int? Restarts { get; set; }

    /// <summary>The failure behind the last restart.</summary>
    public FailureRecord? LastFailure { get; set; }

    /// <summary>The expert map the workers use and the effect of the last rebalance.</summary>
    public ExpertMapStatus? ExpertMap { get; set; }
}
