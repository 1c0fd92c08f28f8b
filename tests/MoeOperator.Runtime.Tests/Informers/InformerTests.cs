using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using MoeOperator.Runtime.Informers;
using MoeOperator.Testing;

namespace MoeOperator.Runtime.Tests.Informers;

public sealed class InformerTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _clock = new();
    private readonly FakeListWatchSource _source = new();
    private readonly ConcurrentQueue<string> _events = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Informer _informer;
    private Task? _running;

    public InformerTests()
    {
        var options = new InformerOptions { WatchdogTimeout = TimeSpan.FromMinutes(1), ResyncPeriod = TimeSpan.FromMinutes(10) };
        _informer = new Informer("configmaps", _source, options, _clock);
        _informer.AddHandler(e => _events.Enqueue($"{e.Type} {e.Object["metadata"]!["name"]}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(10));
        }

        _stop.Dispose();
    }

    private async Task StartAsync(params (string Name, int Rv)[] objects)
    {
        foreach (var (name, rv) in objects)
        {
            _source.Objects.Add(FakeListWatchSource.Object(name, rv));
        }

        _source.ResourceVersion = "3";
        _running = _informer.RunAsync(_stop.Token);
        await _informer.Synced.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.HoldsAsync(() => _source.WatchedFrom.Count == 1, "the first watch");
    }

    [Fact]
    public async Task ListThenWatch_FillsTheCacheAndReportsEveryChange()
    {
        await StartAsync(("a", 1), ("b", 2));

        _source.Send("MODIFIED", FakeListWatchSource.Object("a", 4));
        _source.Send("DELETED", FakeListWatchSource.Object("b", 5));
        _source.Send("ADDED", FakeListWatchSource.Object("c", 6));
        await Eventually.HoldsAsync(() => _events.Count == 5, "five events");

        _events.ToList().ShouldBe(["Added a", "Added b", "Updated a", "Deleted b", "Added c"]);
        _informer.Cache.List().Select(o => (string?)o["metadata"]!["name"]).Order(StringComparer.Ordinal).ShouldBe(["a", "c"]);
        _source.WatchedFrom.ToList().ShouldBe(["3"], "the watch starts at the list's resourceVersion");
    }

    [Fact]
    public async Task DroppedStream_ResumesFromTheLastResourceVersionWithoutRelisting()
    {
        await StartAsync(("a", 1));
        _source.Send("ADDED", FakeListWatchSource.Object("b", 7));
        _source.Send("BOOKMARK", FakeListWatchSource.Object("", 9));
        await Eventually.HoldsAsync(() => _events.Count == 2, "b");

        _source.CloseStream();
        await Eventually.HoldsAsync(() => _source.WatchedFrom.Count == 2, "the resumed watch");

        _source.WatchedFrom.ToList().ShouldBe(["3", "9"], "resumes after the bookmark's resourceVersion");
        _source.Lists.ShouldBe(1);
    }

    [Fact]
    public async Task Expired_RelistsAndReportsObjectsDeletedMeanwhile()
    {
        await StartAsync(("a", 1), ("b", 2));
        _source.Objects.RemoveAll(o => (string?)o["metadata"]!["name"] == "b");
        _source.Objects.Add(FakeListWatchSource.Object("c", 8));
        _source.ResourceVersion = "8";
        _source.ExpireNextWatch = true;

        _source.CloseStream();
        // The closed stream delivered nothing, so the reconnect waits for its backoff on the fake clock.
        await Eventually.HoldsAsync(() =>
        {
            _clock.Advance(TimeSpan.FromMilliseconds(50));
            return _source.WatchedFrom.Count == 3;
        }, "the watch after the relist");

        _source.Lists.ShouldBe(2);
        _events.ToList().ShouldBe(["Added a", "Added b", "Added c", "Deleted b"]);
        _source.WatchedFrom.Last().ShouldBe("8");
    }

    [Fact]
    public async Task SilentStream_IsRestartedByTheWatchdog()
    {
        await StartAsync(("a", 1));

        _clock.Advance(TimeSpan.FromMinutes(1));
        // A restart after a stream that delivered nothing waits for the reconnect backoff on the same clock.
        await Eventually.HoldsAsync(() =>
        {
            _clock.Advance(TimeSpan.FromMilliseconds(50));
            return _source.WatchedFrom.Count >= 2;
        }, "the watchdog's restart");

        _source.WatchedFrom.Take(2).ShouldBe(["3", "3"]);
        _source.Lists.ShouldBe(1);
    }

    [Fact]
    public async Task Resync_ReplaysEveryCachedObject()
    {
        await StartAsync(("a", 1), ("b", 2));

        _clock.Advance(TimeSpan.FromMinutes(10));
        await Eventually.HoldsAsync(() => _events.Count == 4, "the resync");

        _events.Skip(2).Order(StringComparer.Ordinal).ShouldBe(["Resync a", "Resync b"]);
    }
}
