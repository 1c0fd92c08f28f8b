namespace MoeOperator.Worker.Training.Data;

/// <summary>
/// Generated samples with something to learn: each is an arithmetic sequence modulo the vocabulary, its start and
/// stride drawn from the sample id, so the next token follows from the previous two and the loss falls quickly.
/// </summary>
public sealed class SyntheticSamples(long count, int vocabSize, int sequence, long seed) : ISampleSource
{
    public long Count => count;

    public int VocabSize => vocabSize;

    public long[] Sample(long id)
    {
        var hash = Hash((ulong)seed, (ulong)id);
        var start = (long)(hash % (ulong)vocabSize);
        var stride = 1 + (long)(hash >> 32) % 3;
        return [.. Enumerable.Range(0, sequence + 1).Select(k => (start + (k * stride)) % vocabSize)];
    }

    public void Dispose()
    {
    }

    private static ulong Hash(ulong seed, ulong id)
    {
        var z = seed + (id * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
