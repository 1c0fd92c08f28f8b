using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The desired training run.</summary>
public sealed record TrainingJobSpec
{
    /// <summary>Image of the kernel worker.</summary>
    [Required, MaxLength(512)]
    [OnChange(SpecChange.WhileSuspended, "set spec.suspend to true (every rank checkpoints and stops), change it, then set suspend to false: the ranks start anew and re-shard from the verified checkpoint (tensors are found by name, and the sample order is global)")]
    public string Image { get; set; } = "";

    /// <summary>The model to train.</summary>
    [OnChange(SpecChange.Immutable, "the checkpoints hold this model's tensors; create a new TrainingJob for another model")]
    public TrainingModelSpec Model { get; set; } = new();

    /// <summary>How the model and the batch are split over ranks.</summary>
    [OnChange(SpecChange.WhileSuspended, "set spec.suspend to true (every rank checkpoints and stops), change it, then set suspend to false: the ranks start anew and re-shard from the verified checkpoint (tensors are found by name, and the sample order is global)")]
    public ParallelismSpec Parallelism { get; set; } = new();

    /// <summary>Steps, batch and optimiser settings.</summary>
    [Required]
    [OnChange(SpecChange.Immutable, "the sample order, the batch each step trains and the learning-rate schedule follow from it, and a resume must train every sample once; create a new TrainingJob for other settings")]
    public TrainingSpec Training { get; set; } = new();

    /// <summary>Where training data comes from; set exactly one source.</summary>
    [Required]
    [OnChange(SpecChange.Immutable, "the sample order indexes this data set; create a new TrainingJob for other data")]
    public DataSpec Data { get; set; } = new();

    /// <summary>Where and how often checkpoints are written; unset means no checkpoints (a failure restarts from step 0).</summary>
    [OnChange(SpecChange.Immutable, "a resume reads the checkpoints written here; create a new TrainingJob naming the location whose checkpoints it should resume from")]
    public CheckpointSpec? Checkpoint { get; set; }

    /// <summary>Restart policy after a rank fails.</summary>
    [OnChange(SpecChange.InPlace, "read at the next failure; restarts already counted stay counted")]
    public FailurePolicySpec FailurePolicy { get; set; } = new();

    /// <summary>Stop all ranks (after a checkpoint when one is configured) and keep the job; set false to resume.</summary>
    [OnChange(SpecChange.InPlace, "suspending checkpoints and removes the pods; resuming starts them again from that checkpoint")]
    public bool Suspend { get; set; }

    /// <summary>
    /// Seconds the job may run, counted from status.startTime (which a resume after a suspend resets, as for a Job);
    /// past it every rank checkpoints at its next step boundary and stops, and the job is Failed with reason
    /// DeadlineExceeded. Unset: no limit.
    /// </summary>
    [Range(1, long.MaxValue)]
    [OnChange(SpecChange.InPlace, "counts from status.startTime at once: a deadline already passed stops the job")]
    public long? ActiveDeadlineSeconds { get; set; }

    /// <summary>GPUs per pipeline/data rank.</summary>
    [Range(1, 8)]
    [OnChange(SpecChange.WhileSuspended, "set spec.suspend to true (every rank checkpoints and stops), change it, then set suspend to false: the ranks start anew and re-shard from the verified checkpoint (tensors are found by name, and the sample order is global)")]
    public int GpusPerRank { get; set; } = 1;

    /// <summary>Ranks (one pod each) placed on one node; consecutive ranks share a node, so a data replica's pipeline stages come first. The number of ranks (pipeline x data) must be a multiple.</summary>
    [Range(1, 64)]
    [OnChange(SpecChange.InPlace, "applies when the job's pods are next created (on resume or restart)")]
    public int RanksPerNode { get; set; } = 1;

    /// <summary>Compute resources of each pod besides GPUs and RDMA devices, which the operator adds.</summary>
    [OnChange(SpecChange.WhileSuspended, "set spec.suspend to true (every rank checkpoints and stops), change it, then set suspend to false: the ranks start anew and re-shard from the verified checkpoint (tensors are found by name, and the sample order is global)")]
    public ResourceRequirements? Resources { get; set; }

    /// <summary>Where ranks may run and how they are packed onto the topology.</summary>
    [OnChange(SpecChange.InPlace, "applies when the job's pods are next created (on resume or restart); running pods stay where they are")]
    public PlacementSpec Placement { get; set; } = new();

    /// <summary>Gang admission and scheduler settings.</summary>
    [OnChange(SpecChange.InPlace, "applies when the job's pods are next created (on resume or restart)")]
    public SchedulingSpec Scheduling { get; set; } = new();
}
