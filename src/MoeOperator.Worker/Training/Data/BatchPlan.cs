namespace MoeOperator.Worker.Training.Data;

/// <summary>
/// Which global positions of the sample order a data rank trains in a step: step s (1-based) covers positions
/// [(s-1) G, s G); data rank d of D takes the d-th of D equal parts, and its micro-batch j the j-th of C parts of that.
/// </summary>
public sealed record BatchPlan(int GlobalBatch, int DataRanks, int Microbatches)
{
    public int MicrobatchSize => GlobalBatch / (DataRanks * Microbatches);

    public string? Problem() => GlobalBatch % (DataRanks * Microbatches) == 0
        ? null
        : $"the global batch ({GlobalBatch}) must be divisible by data-parallel ranks x micro-batches ({DataRanks} x {Microbatches})";

    /// <summary>Samples consumed once <paramref name="steps"/> steps are done.</summary>
    public long Consumed(long steps) => steps * GlobalBatch;

    public IEnumerable<long> Positions(long step, int dataRank, int microbatch)
    {
        var first = ((step - 1) * GlobalBatch) + ((long)dataRank * GlobalBatch / DataRanks) + ((long)microbatch * MicrobatchSize);
        for (var i = 0; i < MicrobatchSize; i++)
        {
            yield return first + i;
        }
    }
}
