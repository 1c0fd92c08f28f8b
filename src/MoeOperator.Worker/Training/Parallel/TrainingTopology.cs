namespace MoeOperator.Worker.Training.Parallel;

/// <summary>
/// The mesh of a training job: <see cref="Pipeline"/> x <see cref="Data"/> ranks, rank = data index x pipeline +
/// pipeline index. Expert parallelism splits the routed experts over <see cref="Expert"/> consecutive data ranks;
/// the data ranks at the same place in their expert group hold the same experts.
/// </summary>
public sealed record TrainingTopology(int Pipeline, int Data, int Expert)
{
    public int WorldSize => Pipeline * Data;

    public string? Problem() => this switch
    {
        { Pipeline: < 1 } or { Data: < 1 } or { Expert: < 1 } => "pipeline, data and expert sizes must be at least 1",
        _ when Data % Expert != 0 => $"the expert-parallel size ({Expert}) must divide the data-parallel size ({Data})",
        _ => null,
    };

    public int RankOf(int data, int pipeline) => (data * Pipeline) + pipeline;

    public int DataIndexOf(int rank) => rank / Pipeline;

    public int PipelineIndexOf(int rank) => rank % Pipeline;

    /// <summary>Every data-parallel replica of this rank's pipeline place, in data order.</summary>
    public IReadOnlyList<int> DataGroup(int rank) =>
        [.. Enumerable.Range(0, Data).Select(d => RankOf(d, PipelineIndexOf(rank)))];

    /// <summary>The ranks that split the experts with this one.</summary>
    public IReadOnlyList<int> ExpertGroup(int rank)
    {
        var first = DataIndexOf(rank) / Expert * Expert;
        return [.. Enumerable.Range(first, Expert).Select(d => RankOf(d, PipelineIndexOf(rank)))];
    }

    /// <summary>The ranks holding the same experts as this one (one per expert group), in data order.</summary>
    public IReadOnlyList<int> ExpertReplicas(int rank) =>
        [.. Enumerable.Range(0, Data).Where(d => d % Expert == DataIndexOf(rank) % Expert).Select(d => RankOf(d, PipelineIndexOf(rank)))];
}
