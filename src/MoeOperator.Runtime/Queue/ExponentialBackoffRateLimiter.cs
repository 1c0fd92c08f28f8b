using System.Collections.Concurrent;

namespace MoeOperator.Runtime.Queue;

/// <summary>Per-key exponential backoff: base x 2^failures, capped (controller-runtime: 5 ms up to 1000 s).</summary>
public sealed class ExponentialBackoffRateLimiter<TKey>(TimeSpan baseDelay, TimeSpan maxDelay) : IRateLimiter<TKey>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, int> _failures = new();


    public TimeSpan DelayFor(TKey key)
    {
        var failures = _failures.AddOrUpdate(key, 1, (_, n) => n + 1) - 1;
        // 2^failures overflows long after the cap is reached: stop doubling once past it.
        var delay = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 62));
        return delay >= maxDelay.TotalMilliseconds ? maxDelay : TimeSpan.FromMilliseconds(delay);
    }

    public void Forget(TKey key) => _failures.TryRemove(key, out _);

    public int Retries(TKey key) => _failures.GetValueOrDefault(key);
}
