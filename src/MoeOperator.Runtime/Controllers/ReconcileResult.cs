namespace MoeOperator.Runtime.Controllers;

/// <summary>What a reconcile asks of the controller afterwards.</summary>
public sealed record ReconcileResult
{
    private ReconcileResult(bool requeue, TimeSpan? after)
    {
        Requeue = requeue;
        RequeueAfter = after;
    }

    /// <summary>Converged: wait for the next change.</summary>
    public static ReconcileResult Done { get; } = new(false, null);

    /// <summary>Not converged yet: run again with the rate limiter's backoff.</summary>
    public static ReconcileResult Again { get; } = new(true, null);

    /// <summary>Run again after a fixed delay (polling something that sends no events), without counting a failure.</summary>
    public static ReconcileResult After(TimeSpan delay) => new(false, delay);

    /// <summary>Whether to requeue with backoff.</summary>
    public bool Requeue { get; }

    /// <summary>Fixed delay before the next run, if any.</summary>
    public TimeSpan? RequeueAfter { get; }
}
