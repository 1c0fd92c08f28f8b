using MoeOperator.Planning.Pipeline;

namespace MoeOperator.Worker.Training.Pipeline;

/// <summary>
/// Which pipeline rank runs which model stage. DualPipe: P stages; direction 0 meets stage s on rank s, direction 1
/// on rank P-1-s, so rank r holds stages r and P-1-r (two copies of each stage in the pipeline, their gradients
/// summed after the step). DualPipeV: 2P stages in a V, rank r holding r and 2P-1-r. 1F1B: stage r on rank r.
/// </summary>
public sealed record StageLayout(PipelineVariant Variant, int Ranks)
{
    public int Stages => Variant == PipelineVariant.DualPipeV ? 2 * Ranks : Ranks;

    public int Directions => Variant == PipelineVariant.DualPipe ? 2 : 1;

    public int RankOf(int stage, int direction) => Variant switch
    {
        PipelineVariant.DualPipe => direction == 0 ? stage : Ranks - 1 - stage,
        PipelineVariant.DualPipeV => stage < Ranks ? stage : (2 * Ranks) - 1 - stage,
        _ => stage,
    };

    /// <summary>The stages whose weights rank <paramref name="rank"/> holds.</summary>
    public IReadOnlyList<int> StagesOf(int rank) => Variant switch
    {
        PipelineVariant.DualPipe => [.. new[] { rank, Ranks - 1 - rank }.Order()],
        PipelineVariant.DualPipeV => [rank, (2 * Ranks) - 1 - rank],
        _ => [rank],
    };

    /// <summary>The ranks holding a copy of the same stages as <paramref name="rank"/> (DualPipe's mirror pair), lowest first.</summary>
    public IReadOnlyList<int> CopiesOf(int rank) => Variant == PipelineVariant.DualPipe && Ranks > 1
        ? [Math.Min(rank, Ranks - 1 - rank), Math.Max(rank, Ranks - 1 - rank)]
        : [rank];

    /// <summary>Whether this rank's copy of <paramref name="stage"/> is the one counted once (for the gradient norm).</summary>
    public bool Owns(int rank, int stage) => RankOf(stage, 0) == rank;
}
