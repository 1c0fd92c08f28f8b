namespace MoeOperator.Runtime.Queue;

/// <summary>Decides how long an item waits before it is retried (client-go's workqueue.RateLimiter).</summary>
/// <typeparam name="TKey">The item type.</typeparam>
public interface IRateLimiter<in TKey>
{
    /// <summary>The delay for the next retry of <paramref name="key"/>; each call counts as one more failure.</summary>
    TimeSpan DelayFor(TKey key);

    /// <summary>Forgets the key's failures, after a success.</summary>
    void Forget(TKey key);

    /// <summary>How many times the key has been retried since it was last forgotten.</summary>
    int Retries(TKey key);
}
