using Microsoft.Extensions.Time.Testing;
using MoeOperator.Runtime.Queue;

namespace MoeOperator.Runtime.Tests.Queue;

public sealed class WorkQueueTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new();
    private readonly WorkQueue<string> _queue;

    public WorkQueueTests() => _queue = new WorkQueue<string>("test", _clock, RateLimiters.PerKeyBackoff<string>());

    public void Dispose() => _queue.Dispose();

    private List<string> Drain()
    {
        var keys = new List<string>();
        while (_queue.TryGet(out var key))
        {
            keys.Add(key);
        }

        return keys;
    }

    [Fact]
    public void Add_SameKeyManyTimes_IsQueuedOnce()
    {
        _queue.Add("a");
        _queue.Add("b");
        _queue.Add("a");
        _queue.Add("a");

        Drain().ShouldBe(["a", "b"]);
    }

    [Fact]
    public void KeyInFlight_IsNotHandedOutAgainUntilDone_ThenExactlyOnceMore()
    {
        _queue.Add("a");
        _queue.TryGet(out var first).ShouldBeTrue();

        _queue.Add("a");
        _queue.Add("a");

        _queue.TryGet(out _).ShouldBeFalse("a second worker must not get a key that is being processed");
        _queue.Done(first);
        Drain().ShouldBe(["a"], "the adds during processing collapse into one more round");
        _queue.Done("a");
        Drain().ShouldBeEmpty();
    }

    [Fact]
    public void Done_WithoutAnAddDuringProcessing_DoesNotRequeue()
    {
        _queue.Add("a");
        _queue.TryGet(out var key);

        _queue.Done(key);

        _queue.Length.ShouldBe(0);
        _queue.InFlight.ShouldBe(0);
    }

    [Fact]
    public void AddAfter_WaitsForTheClock()
    {
        _queue.AddAfter("a", TimeSpan.FromSeconds(30));

        _clock.Advance(TimeSpan.FromSeconds(29));
        Drain().ShouldBeEmpty();
        _clock.Advance(TimeSpan.FromSeconds(1));
        Drain().ShouldBe(["a"]);
    }

    [Fact]
    public void AddAfter_TheEarlierDueTimeWins()
    {
        _queue.AddAfter("a", TimeSpan.FromSeconds(60));
        _queue.AddAfter("a", TimeSpan.FromSeconds(10));
        _queue.AddAfter("a", TimeSpan.FromSeconds(30));

        _clock.Advance(TimeSpan.FromSeconds(10));
        Drain().ShouldBe(["a"]);
        _queue.Done("a");
        _clock.Advance(TimeSpan.FromSeconds(60));
        Drain().ShouldBeEmpty("the later delays were superseded, not kept");
    }

    [Fact]
    public void AddRateLimited_BacksOffExponentiallyUntilForgotten()
    {
        var waits = new List<TimeSpan>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            _queue.AddRateLimited("a");
            var waited = TimeSpan.Zero;
            while (!_queue.TryGet(out _))
            {
                _clock.Advance(TimeSpan.FromMilliseconds(1));
                waited += TimeSpan.FromMilliseconds(1);
            }

            waits.Add(waited);
            _queue.Done("a");
        }

        waits.ShouldBe([TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(40)]);
        _queue.Retries("a").ShouldBe(4);
        _queue.Forget("a");
        _queue.Retries("a").ShouldBe(0);
    }

    [Fact]
    public async Task GetAsync_WaitsForAnAdd()
    {
        var waiting = _queue.GetAsync(CancellationToken.None);
        waiting.IsCompleted.ShouldBeFalse();

        _queue.Add("a");
        var (key, shuttingDown) = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        key.ShouldBe("a");
        shuttingDown.ShouldBeFalse();
    }

    [Fact]
    public async Task ShutDown_WakesEveryWaiterAndRefusesNewKeys()
    {
        var waiters = Enumerable.Range(0, 3).Select(_ => _queue.GetAsync(CancellationToken.None)).ToList();

        _queue.ShutDown();
        _queue.Add("late");

        foreach (var waiter in waiters)
        {
            (await waiter.WaitAsync(TimeSpan.FromSeconds(10))).ShuttingDown.ShouldBeTrue();
        }

        _queue.Length.ShouldBe(0);
    }

    [Fact]
    public void ShutDown_CancelsDelayedAdds()
    {
        _queue.AddAfter("a", TimeSpan.FromSeconds(1));

        _queue.ShutDown();
        _clock.Advance(TimeSpan.FromSeconds(5));

        _queue.Length.ShouldBe(0);
    }

    [Fact]
    public async Task ManyWorkers_NeverHoldTheSameKeyAtOnce()
    {
        var inFlight = new HashSet<string>();
        var overlaps = 0;
        var processed = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var (key, shuttingDown) = await _queue.GetAsync(stop.Token);
                if (shuttingDown)
                {
                    return;
                }

                lock (inFlight)
                {
                    overlaps += inFlight.Add(key) ? 0 : 1;
                }

                await Task.Yield();
                lock (inFlight)
                {
                    inFlight.Remove(key);
                }

                Interlocked.Increment(ref processed);
                _queue.Done(key);
            }
        })).ToList();

        for (var i = 0; i < 2000; i++)
        {
            _queue.Add($"k{i % 5}");
        }

        while (_queue.Length > 0 || _queue.InFlight > 0)
        {
            await Task.Delay(1, stop.Token);
        }

        _queue.ShutDown();
        await Task.WhenAll(workers);
        overlaps.ShouldBe(0);
        processed.ShouldBeGreaterThanOrEqualTo(5);
    }
}
