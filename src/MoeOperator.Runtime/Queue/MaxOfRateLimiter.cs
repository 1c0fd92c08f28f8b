namespace MoeOperator.Runtime.Queue;

/// <summary>The longest delay of several limiters: per-key backoff and the overall bucket together.</summary>
public sealed class MaxOfRateLimiter<TKey>(params IRateLimiter<TKey>[] limiters) : IRateLimiter<TKey>
    where TKey : notnull
{

    public TimeSpan DelayFor(TKey key) => limiters.Select(l => l.DelayFor(key)).Max();

    public void Forget(TKey key)
    {
        foreach (var limiter in limiters)
        {
            limiter.Forget(key);
        }
    }

    public int Retries(TKey key) => limiters.Max(l => l.Retries(key));
}
