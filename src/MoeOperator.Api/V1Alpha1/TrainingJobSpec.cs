using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The desired training run.</summary>
public sealed record TrainingJobSpec
{
    /// <summary>Image of the kernel worker.</summary>
    [Required, MaxLength(512)]
    public string Image { get; set; } = "";

    /// <summary>The model to train.</summary>
    public TrainingModelSpec Model { get; set; } = new();

    /// <summary>How the model and the batch are split over ranks.</summary>
    public ParallelismSpec Parallelism { get; set; } = new();

    /// <summary>Steps, batch and optimiser settings.</summary>
    [Required]
    public TrainingSpec Training { get; set; } = new();

    /// <summary>Where training data comes from; set exactly one source.</summary>
    [Required]
    public DataSpec Data { get; set; } = new();

    /// <summary>Where and how often checkpoints are written; unset means no checkpoints (a failure restarts from step 0).</summary>
    public CheckpointSpec? Checkpoint { get; set; }

    /// <summary>The expert load balancer loop.</summary>
    public EplbSpec Eplb { get; set; } = new();

    /// <summary>Restart policy after a rank fails.</summary>
    public FailurePolicySpec FailurePolicy { get; set; } = new();

    /// <summary>Stop all ranks (after a checkpoint when one is configured) and keep the job; set false to resume.</summary>
    public bool Suspend { get; set; }

    /// <summary>GPUs per pipeline/data rank.</summary>
    [Range(1, 8)]
    public int GpusPerRank { get; set; } = 1;

    /// <summary>Compute resources of each pod besides GPUs and RDMA devices, which the operator adds.</summary>
    public ResourceRequirements? Resources { get; set; }

    /// <summary>Where ranks may run and how they are packed onto the topology.</summary>
    public PlacementSpec Placement { get; set; } = new();

    /// <summary>Gang admission and scheduler settings.</summary>
    public SchedulingSpec Scheduling { get; set; } = new();
}
