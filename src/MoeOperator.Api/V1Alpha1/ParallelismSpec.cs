using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The parallelism mesh: pipeline x data ranks, experts split inside data-parallel ranks.</summary>
public sealed record ParallelismSpec
{
    /// <summary>Pipeline-parallel ranks; DualPipe needs an even number.</summary>
    [Range(1, 256)]
    public int Pipeline { get; set; } = 2;

    /// <summary>Data-parallel ranks.</summary>
    [Range(1, 4096)]
    public int Data { get; set; } = 1;

    /// <summary>Expert-parallel ranks inside the data-parallel dimension; must divide data.</summary>
    [Range(1, 4096)]
    public int Expert { get; set; } = 1;

    /// <summary>DualPipe, DualPipeV or OneFOneB.</summary>
    public PipelineSchedule Schedule { get; set; } = PipelineSchedule.DualPipe;

    /// <summary>Micro-batches per step; DualPipe needs an even number of at least twice the pipeline size, DualPipeV at least twice the pipeline size. Unset means twice the pipeline size.</summary>
    [Range(1, 65536)]
    public int? MicroBatches { get; set; }
}
