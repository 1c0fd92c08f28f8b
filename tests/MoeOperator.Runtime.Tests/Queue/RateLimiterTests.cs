using Microsoft.Extensions.Time.Testing;
using MoeOperator.Runtime.Queue;

namespace MoeOperator.Runtime.Tests.Queue;

public sealed class RateLimiterTests
{
    [Fact]
    public void PerKeyBackoff_DoublesFrom5MillisecondsAndCapsAt1000Seconds()
    {
        var limiter = RateLimiters.PerKeyBackoff<string>();

        var delays = Enumerable.Range(0, 20).Select(_ => limiter.DelayFor("a").TotalMilliseconds).ToList();

        delays.Take(5).ShouldBe([5, 10, 20, 40, 80]);
        delays[17].ShouldBe(5 * Math.Pow(2, 17));
        delays[18].ShouldBe(1_000_000, "5 ms x 2^18 exceeds the 1000 s cap");
        delays[19].ShouldBe(1_000_000);
        limiter.Retries("a").ShouldBe(20);
    }

    [Fact]
    public void PerKeyBackoff_IsPerKeyAndForgetResetsIt()
    {
        var limiter = RateLimiters.PerKeyBackoff<string>();
        limiter.DelayFor("a");
        limiter.DelayFor("a");

        limiter.DelayFor("b").ShouldBe(TimeSpan.FromMilliseconds(5));
        limiter.Forget("a");
        limiter.DelayFor("a").ShouldBe(TimeSpan.FromMilliseconds(5));
    }

    [Fact]
    public void PerKeyBackoff_NeverOverflowsAfterManyFailures()
    {
        var limiter = RateLimiters.PerKeyBackoff<string>();

        for (var i = 0; i < 10_000; i++)
        {
            limiter.DelayFor("a");
        }

        limiter.DelayFor("a").ShouldBe(TimeSpan.FromSeconds(1000));
    }

    [Fact]
    public void OverallBucket_AllowsABurstThenTenPerSecond()
    {
        var clock = new FakeTimeProvider();
        var bucket = RateLimiters.OverallBucket<int>(clock);

        Enumerable.Range(0, 100).Select(bucket.DelayFor).ShouldAllBe(d => d == TimeSpan.Zero);
        bucket.DelayFor(100).ShouldBe(TimeSpan.FromMilliseconds(100));
        bucket.DelayFor(101).ShouldBe(TimeSpan.FromMilliseconds(200));

        clock.Advance(TimeSpan.FromSeconds(1));

        // 10 tokens came back; two of them pay for the reservations made while empty.
        Enumerable.Range(0, 8).Select(bucket.DelayFor).ShouldAllBe(d => d == TimeSpan.Zero);
        bucket.DelayFor(9).ShouldBe(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Default_TakesTheLongerOfBackoffAndBucket()
    {
        var clock = new FakeTimeProvider();
        var limiter = RateLimiters.Default<string>(clock);

        limiter.DelayFor("a").ShouldBe(TimeSpan.FromMilliseconds(5));
        for (var i = 0; i < 150; i++)
        {
            limiter.DelayFor($"key-{i}");
        }

        limiter.DelayFor("fresh").ShouldBeGreaterThan(TimeSpan.FromSeconds(5), "the bucket is empty, so a fresh key waits for it");
    }
}
