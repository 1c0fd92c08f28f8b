namespace MoeOperator.Runtime.Queue;

/// <summary>
/// An overall token bucket (controller-runtime: 10 per second, burst 100) so that many failing keys together
/// cannot flood the API server. Every <see cref="DelayFor"/> reserves a token and returns how long until it is due.
/// </summary>
public sealed class TokenBucketRateLimiter<TKey>(double perSecond, int burst, TimeProvider clock) : IRateLimiter<TKey>
{
    private readonly Lock _gate = new();
    private double _tokens = burst;
    private DateTimeOffset _last = clock.GetUtcNow();


    public TimeSpan DelayFor(TKey key)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            _tokens = Math.Min(burst, _tokens + ((now - _last).TotalSeconds * perSecond));
            _last = now;
            _tokens -= 1;
            // A negative balance is the queue of reservations ahead: each waits for its token to refill.
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / perSecond);
        }
    }

    public void Forget(TKey key)
    {
    }

    public int Retries(TKey key) => 0;
}
