using System.Net;
using Microsoft.Extensions.Time.Testing;
using MoeOperator.Runtime.Client;

namespace MoeOperator.Runtime.Tests.Client;

public sealed class ClientRateLimitHandlerTests
{
    [Fact]
    public void Reserve_AllowsTheBurstAtOnce_ThenOneRequestPerQpsInterval()
    {
        var clock = new FakeTimeProvider();
        using var limiter = new ClientRateLimitHandler(qps: 10, burst: 3, clock);

        Enumerable.Range(0, 3).Select(_ => limiter.Reserve()).ShouldAllBe(wait => wait == TimeSpan.Zero);
        limiter.Reserve().ShouldBe(TimeSpan.FromMilliseconds(100));
        limiter.Reserve().ShouldBe(TimeSpan.FromMilliseconds(200), "reservations queue up behind each other");

        clock.Advance(TimeSpan.FromSeconds(10));
        limiter.Reserve().ShouldBe(TimeSpan.Zero, "an idle second refills the bucket");
    }

    [Fact]
    public void Reserve_NeverSavesMoreThanTheBurst()
    {
        var clock = new FakeTimeProvider();
        using var limiter = new ClientRateLimitHandler(qps: 5, burst: 2, clock);
        clock.Advance(TimeSpan.FromHours(1));

        limiter.Reserve().ShouldBe(TimeSpan.Zero);
        limiter.Reserve().ShouldBe(TimeSpan.Zero);
        limiter.Reserve().ShouldBe(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Send_HoldsARequestWithoutATokenUntilTheClockReachesIt()
    {
        var clock = new FakeTimeProvider();
        var sent = 0;
#pragma warning disable CA2000 // the invoker disposes the handler chain
        var limiter = new ClientRateLimitHandler(qps: 2, burst: 1, clock)
        {
            InnerHandler = new CountingHandler(() => Interlocked.Increment(ref sent)),
        };
#pragma warning restore CA2000
        using var invoker = new HttpMessageInvoker(limiter);
        using var first = new HttpRequestMessage(HttpMethod.Get, "http://api/");
        using var second = new HttpRequestMessage(HttpMethod.Get, "http://api/");

        (await invoker.SendAsync(first, CancellationToken.None)).Dispose();
        var waiting = invoker.SendAsync(second, CancellationToken.None);

        sent.ShouldBe(1);
        waiting.IsCompleted.ShouldBeFalse("the second request waits 500 ms for its token");
        clock.Advance(TimeSpan.FromMilliseconds(499));
        waiting.IsCompleted.ShouldBeFalse();
        clock.Advance(TimeSpan.FromMilliseconds(1));
        (await waiting.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        sent.ShouldBe(2);
    }

    private sealed class CountingHandler(Action onSend) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            onSend();
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
