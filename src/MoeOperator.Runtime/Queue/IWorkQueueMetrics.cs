namespace MoeOperator.Runtime.Queue;

/// <summary>What a work queue reports (workqueue_* metrics); the metrics layer implements it.</summary>
public interface IWorkQueueMetrics
{
    /// <summary>Reports nothing.</summary>
    static IWorkQueueMetrics None { get; } = new NoMetrics();

    /// <summary>A key was added (workqueue_adds_total).</summary>
    void Added(string queue);

    /// <summary>A key was re-queued by the rate limiter (workqueue_retries_total).</summary>
    void Retried(string queue);

    /// <summary>The queue's length changed (workqueue_depth).</summary>
    void Depth(string queue, int depth);

    /// <summary>A key was handed out after waiting <paramref name="waited"/> (workqueue_queue_duration_seconds).</summary>
    void Dequeued(string queue, TimeSpan waited, int depth);

    private sealed class NoMetrics : IWorkQueueMetrics
    {
        public void Added(string queue)
        {
        }

        public void Retried(string queue)
        {
        }

        public void Depth(string queue, int depth)
        {
        }

        public void Dequeued(string queue, TimeSpan waited, int depth)
        {
        }
    }
}
