namespace MoeOperator.Api.V1Alpha1;

/// <summary>The observed state of a training run.</summary>
public sealed record TrainingJobStatus
{
    /// <summary>Summary of the job's state.</summary>
    public TrainingJobPhase? Phase { get; set; }

    /// <summary>The metadata.generation this status describes.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary>Conditions: Scheduled, Running, Suspended, Succeeded, Failed.</summary>
    public List<Condition>? Conditions { get; set; }

    /// <summary>Last completed optimiser step.</summary>
    public long? Step { get; set; }

    /// <summary>Steps the job will run.</summary>
    public long? TotalSteps { get; set; }

    /// <summary>Training loss at the last reported step.</summary>
    public double? Loss { get; set; }

    /// <summary>Training throughput over all ranks.</summary>
    public double? TokensPerSecond { get; set; }

    /// <summary>Samples trained so far: the data cursor a resume continues from.</summary>
    public long? SamplesConsumed { get; set; }

    /// <summary>The newest checkpoint whose manifest and shard hashes were verified.</summary>
    public CheckpointRecord? LastVerifiedCheckpoint { get; set; }

    /// <summary>The checkpoint the running ranks resumed from, when they resumed.</summary>
    public CheckpointRecord? ResumedFrom { get; set; }

    /// <summary>Max over mean tokens per routed expert at the last step, in the worst MoE layer (1 is perfectly balanced).</summary>
    public double? ExpertImbalance { get; set; }

    /// <summary>The same for each MoE layer of the model.</summary>
    public List<LayerImbalance>? ExpertImbalanceByLayer { get; set; }

    /// <summary>The share of the last step rank 0 waited on its pipeline neighbours.</summary>
    public double? MeasuredBubbleRatio { get; set; }

    /// <summary>Whole-job restarts so far.</summary>
    public int? Restarts { get; set; }

    /// <summary>The failure behind the last restart.</summary>
    public FailureRecord? LastFailure { get; set; }

    /// <summary>Expected pipeline bubble as a fraction of step time, from the schedule and the parallelism.</summary>
    public double? ExpectedBubbleRatio { get; set; }

    /// <summary>The node of each rank, in rank order, as the placement planner chose (empty with an external scheduler until it binds them).</summary>
    public List<string>? Placement { get; set; }

    /// <summary>When the ranks were first placed; reset when a suspended job resumes (spec.activeDeadlineSeconds counts from it).</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>When the job succeeded or failed for good.</summary>
    public DateTimeOffset? CompletionTime { get; set; }
}
