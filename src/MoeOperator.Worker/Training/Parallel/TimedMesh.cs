using System.Diagnostics;

namespace MoeOperator.Worker.Training.Parallel;

/// <summary>A mesh that measures how long receives of pipeline messages waited: the bubble a rank actually saw.</summary>
public sealed class TimedMesh(ITrainingMesh inner) : ITrainingMesh
{
    private long _pipelineWaitTicks;

    public int Rank => inner.Rank;

    public int WorldSize => inner.WorldSize;

    /// <summary>Time spent waiting for pipeline activations and gradients since the last call.</summary>
    public TimeSpan TakePipelineWait() => Stopwatch.GetElapsedTime(0, Interlocked.Exchange(ref _pipelineWaitTicks, 0));

    public void Send(int peer, string tag, byte[] payload) => inner.Send(peer, tag, payload);

    public byte[] Receive(int peer, string tag)
    {
        if (!tag.StartsWith("pp/", StringComparison.Ordinal))
        {
            return inner.Receive(peer, tag);
        }

        var start = Stopwatch.GetTimestamp();
        try
        {
            return inner.Receive(peer, tag);
        }
        finally
        {
            Interlocked.Add(ref _pipelineWaitTicks, Stopwatch.GetTimestamp() - start);
        }
    }
}
