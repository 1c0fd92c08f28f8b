using MoeOperator.Runtime.Queue;

namespace MoeOperator.Runtime.Client;

/// <summary>
/// Client-side request limits towards the API server (client-go's QPS and burst): a token bucket holding
/// <paramref name="burst"/> tokens that refills at <paramref name="qps"/> per second; a request without a token
/// waits for one. A busy operator therefore slows itself down instead of being throttled (429) by the server.
/// </summary>
public sealed class ClientRateLimitHandler(double qps, int burst, TimeProvider clock) : DelegatingHandler
{
    private readonly TokenBucketRateLimiter<ClientRateLimitHandler> _bucket = new(qps, burst, clock);

    /// <summary>Reserves a token and returns how long the caller waits for it (zero while the bucket has tokens).</summary>
    public TimeSpan Reserve() => _bucket.DelayFor(this);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var wait = Reserve();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, clock, cancellationToken);
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
