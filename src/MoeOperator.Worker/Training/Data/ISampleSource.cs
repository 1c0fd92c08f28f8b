namespace MoeOperator.Worker.Training.Data;

/// <summary>Where samples come from: sample i is sequence + 1 token ids (inputs, and the last label).</summary>
public interface ISampleSource : IDisposable
{
    long Count { get; }

    int VocabSize { get; }

    long[] Sample(long id);
}
