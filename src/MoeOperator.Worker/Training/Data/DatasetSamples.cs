using MoeOperator.Contract.Data;

namespace MoeOperator.Worker.Training.Data;

/// <summary>Samples of a data set prepared by <c>moe data prepare</c>: sample i is tokens [i S, i S + S + 1).</summary>
public sealed class DatasetSamples(string directory, int sequence) : ISampleSource
{
    private readonly TokenDataset _dataset = new(directory);

    public long Count => _dataset.Index.Samples(sequence);

    public int VocabSize => _dataset.Index.VocabSize;

    public long[] Sample(long id) => _dataset.Read(id * sequence, sequence + 1);

    public void Dispose() => _dataset.Dispose();
}
