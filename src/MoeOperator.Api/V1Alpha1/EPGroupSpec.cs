using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The desired expert-parallel group.</summary>
public sealed record EPGroupSpec
{
    /// <summary>Expert-parallel ranks (one GPU each unless gpusPerRank says otherwise).</summary>
    [Required, Range(1, 4096)]
    [OnChange(SpecChange.Replace, EPGroupChanges.Replace)]
    public int Ranks { get; set; }

    /// <summary>Ranks per node; a node's ranks run in one pod and share NVLink.</summary>
    [Range(1, 16)]
    [OnChange(SpecChange.Replace, EPGroupChanges.Replace)]
    public int RanksPerNode { get; set; } = 8;

    /// <summary>GPUs each rank uses.</summary>
    [Range(1, 8)]
    [OnChange(SpecChange.Replace, EPGroupChanges.Replace)]
    public int GpusPerRank { get; set; } = 1;

    /// <summary>Image of the kernel worker.</summary>
    [Required, MaxLength(512)]
    [OnChange(SpecChange.Replace, EPGroupChanges.Replace)]
    public string Image { get; set; } = "";

    /// <summary>Compute resources of each pod besides GPUs and RDMA devices, which the operator adds.</summary>
    [OnChange(SpecChange.Replace, EPGroupChanges.Replace)]
    public ResourceRequirements? Resources { get; set; }

    /// <summary>Shape of the MoE layer the group serves.</summary>
    [OnChange(SpecChange.Replace, EPGroupChanges.Replace)]
    public EPModelSpec Model { get; set; } = new();

    /// <summary>How ranks exchange tokens.</summary>
    [OnChange(SpecChange.Replace, EPGroupChanges.Replace)]
    public TransportSpec Transport { get; set; } = new();

    /// <summary>Where ranks may run and how they are packed onto the topology.</summary>
    [OnChange(SpecChange.Replace, EPGroupChanges.Replace)]
    public PlacementSpec Placement { get; set; } = new();

    /// <summary>Gang admission and scheduler settings.</summary>
    [OnChange(SpecChange.Replace, EPGroupChanges.Replace)]
    public SchedulingSpec Scheduling { get; set; } = new();

    /// <summary>The expert load balancer loop.</summary>
    [OnChange(SpecChange.InPlace, "the next balancing round (at most one interval away) uses the new settings; the ranks keep running and the expert map is kept")]
    public EplbSpec Eplb { get; set; } = new();

    /// <summary>Restart policy after a rank fails.</summary>
    [OnChange(SpecChange.InPlace, "the next failure is handled with the new budget and back-off; restarts already counted stay counted")]
    public FailurePolicySpec FailurePolicy { get; set; } = new();

    /// <summary>A 3FS file system to mount in every pod (for weights or KV cache).</summary>
    [OnChange(SpecChange.Replace, EPGroupChanges.Replace)]
    public ThreeFSMount? ThreeFS { get; set; }

    /// <summary>
    /// Run `moe-worker selftest` in an init container of every pod before its ranks start: each native kernel is
    /// checked against a float64 reference on the node, and a node that computes wrong numbers fails its pod
    /// (reason KernelSelfTestFailed) instead of serving. Costs a few seconds per pod start.
    /// </summary>
    [OnChange(SpecChange.Replace, EPGroupChanges.Replace)]
    public bool KernelSelfTest { get; set; }
}
