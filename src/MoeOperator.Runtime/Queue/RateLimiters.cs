namespace MoeOperator.Runtime.Queue;

/// <summary>The rate limiters controllers use by default, with controller-runtime's numbers.</summary>
public static class RateLimiters
{
    /// <summary>Per key: 5 ms doubling up to 1000 s.</summary>
    public static ExponentialBackoffRateLimiter<TKey> PerKeyBackoff<TKey>()
        where TKey : notnull => new(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));

    /// <summary>Overall: 10 retries per second with a burst of 100.</summary>
    public static TokenBucketRateLimiter<TKey> OverallBucket<TKey>(TimeProvider clock) => new(10, 100, clock);

    /// <summary>Both: the longer of the per-key backoff and the overall bucket.</summary>
    public static MaxOfRateLimiter<TKey> Default<TKey>(TimeProvider clock)
        where TKey : notnull => new(PerKeyBackoff<TKey>(), OverallBucket<TKey>(clock));
}
