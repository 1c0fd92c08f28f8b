using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The desired expert-parallel group.</summary>
public sealed record EPGroupSpec
{
    /// <summary>Expert-parallel ranks (one GPU each unless gpusPerRank says otherwise).</summary>
    [Required, Range(1, 4096)]
    public int Ranks { get; set; }

    /// <summary>Ranks per node; a node's ranks run in one pod and share NVLink.</summary>
    [Range(1, 16)]
    public int RanksPerNode { get; set; } = 8;

    /// <summary>GPUs each rank uses.</summary>
    [Range(1, 8)]
    public int GpusPerRank { get; set; } = 1;

    /// <summary>Image of the kernel worker.</summary>
    [Required, MaxLength(512)]
    public string Image { get; set; } = "";

    /// <summary>Compute resources of each pod besides GPUs and RDMA devices, which the operator adds.</summary>
    public ResourceRequirements? Resources { get; set; }

    /// <summary>Shape of the MoE layer the group serves.</summary>
    public EPModelSpec Model { get; set; } = new();

    /// <summary>How ranks exchange tokens.</summary>
    public TransportSpec Transport { get; set; } = new();

    /// <summary>Where ranks may run and how they are packed onto the topology.</summary>
    public PlacementSpec Placement { get; set; } = new();

    /// <summary>Gang admission and scheduler settings.</summary>
    public SchedulingSpec Scheduling { get; set; } = new();

    /// <summary>The expert load balancer loop.</summary>
    public EplbSpec Eplb { get; set; } = new();

    /// <summary>Restart policy after a rank fails.</summary>
    public FailurePolicySpec FailurePolicy { get; set; } = new();

    /// <summary>A 3FS file system to mount in every pod (for weights or KV cache).</summary>
    public ThreeFSMount? ThreeFS { get; set; }

    /// <summary>
    /// Run `moe-worker selftest` in an init container of every pod before its ranks start: each native kernel is
    /// checked against a float64 reference on the node, and a node that computes wrong numbers fails its pod
    /// (reason KernelSelfTestFailed) instead of serving. Costs a few seconds per pod start.
    /// </summary>
    public bool KernelSelfTest { get; set; }
}
