using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using MoeOperator.Runtime.Controllers;
using MoeOperator.Runtime.Queue;

namespace MoeOperator.Runtime.Tests.Controllers;

public sealed class ControllerLoopTests : IDisposable
{
    private static readonly ObjectReference _key = new("ns", "group");
    private readonly FakeTimeProvider _clock = new();
    private readonly WorkQueue<ObjectReference> _queue;
    private readonly ScriptedReconciler _reconciler = new();
    private readonly List<(ObjectReference Key, Exception Error)> _errors = [];
    private readonly RecordingMetrics _metrics = new();
    private readonly ControllerLoop _loop;

    public ControllerLoopTests()
    {
        _queue = new WorkQueue<ObjectReference>("epgroup", _clock, RateLimiters.PerKeyBackoff<ObjectReference>());
        _loop = new ControllerLoop("epgroup", _queue, _reconciler, workers: 2, _clock, (key, error) => _errors.Add((key, error)), _metrics);
    }

    public void Dispose() => _queue.Dispose();

    private async Task RunOnceAsync()
    {
        _queue.Add(_key);
        _queue.TryGet(out var key).ShouldBeTrue();
        await _loop.ProcessAsync(key, CancellationToken.None);
    }

    // How long until the key is back in the queue, advancing the fake clock a millisecond at a time.
    private TimeSpan TimeUntilRequeued(TimeSpan limit)
    {
        var waited = TimeSpan.Zero;
        while (_queue.Length == 0 && waited < limit)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(1));
            waited += TimeSpan.FromMilliseconds(1);
        }

        return _queue.Length == 0 ? TimeSpan.MaxValue : waited;
    }

    [Fact]
    public async Task Error_IsRetriedWithExponentialBackoff()
    {
        _reconciler.Script(new InvalidOperationException("api down"), new InvalidOperationException("api down"));

        await RunOnceAsync();
        TimeUntilRequeued(TimeSpan.FromSeconds(1)).ShouldBe(TimeSpan.FromMilliseconds(5));
        _queue.TryGet(out var again);
        await _loop.ProcessAsync(again, CancellationToken.None);
        TimeUntilRequeued(TimeSpan.FromSeconds(1)).ShouldBe(TimeSpan.FromMilliseconds(10));

        _errors.Select(e => e.Key).ShouldBe([_key, _key]);
        _metrics.Results.ShouldBe(["error", "error"]);
    }

    [Fact]
    public async Task AConflict_IsAQuietRequeue_CountedAsConflictNotAsAnError()
    {
        var logs = new RecordingLogger();
        using var queue = new WorkQueue<ObjectReference>("tfs", _clock, RateLimiters.PerKeyBackoff<ObjectReference>());
        var loop = new ControllerLoop("tfs", queue, _reconciler, workers: 1, _clock, (key, error) => _errors.Add((key, error)), _metrics, logs);
        _reconciler.Script(new MoeOperator.Runtime.Client.ApiRequestException(System.Net.HttpStatusCode.Conflict, "status of tfs ns/a answered 409: the object has been modified"));

        queue.Add(_key);
        queue.TryGet(out var key).ShouldBeTrue();
        await loop.ProcessAsync(key, CancellationToken.None);

        _metrics.Results.ShouldBe(["conflict"]);
        _errors.ShouldBeEmpty();
        logs.Entries.ShouldHaveSingleItem().Level.ShouldBe(Microsoft.Extensions.Logging.LogLevel.Debug);
        logs.Entries[0].Exception.ShouldBeNull("no stack trace for a normal conflict");
        var waited = TimeSpan.Zero;
        while (queue.Length == 0 && waited < TimeSpan.FromSeconds(1))
        {
            _clock.Advance(TimeSpan.FromMilliseconds(1));
            waited += TimeSpan.FromMilliseconds(1);
        }

        queue.Length.ShouldBe(1, "requeued with the per-key backoff");
    }

    [Fact]
    public async Task TerminalError_IsRecordedAndNotRetried()
    {
        _reconciler.Script(new TerminalException("spec.ranks must be a multiple of ranksPerNode"));

        await RunOnceAsync();

        TimeUntilRequeued(TimeSpan.FromSeconds(2)).ShouldBe(TimeSpan.MaxValue);
        _errors.ShouldHaveSingleItem().Error.ShouldBeOfType<TerminalException>();
        _queue.Retries(_key).ShouldBe(0);
    }

    [Fact]
    public async Task After_RequeuesAtThatTimeWithoutCountingAFailure()
    {
        _reconciler.Script(new InvalidOperationException("once"), ReconcileResult.After(TimeSpan.FromSeconds(30)));
        await RunOnceAsync();
        TimeUntilRequeued(TimeSpan.FromSeconds(1));
        _queue.TryGet(out var key);

        await _loop.ProcessAsync(key, CancellationToken.None);

        _queue.Retries(_key).ShouldBe(0);
        _clock.Advance(TimeSpan.FromSeconds(29));
        _queue.Length.ShouldBe(0);
        _clock.Advance(TimeSpan.FromSeconds(1));
        _queue.Length.ShouldBe(1);
        _metrics.Results.ShouldBe(["error", "requeue_after"]);
    }

    [Fact]
    public async Task Again_RequeuesWithBackoff_AndSuccessForgetsTheFailures()
    {
        _reconciler.Script(ReconcileResult.Again, ReconcileResult.Again, ReconcileResult.Done);

        await RunOnceAsync();
        TimeUntilRequeued(TimeSpan.FromSeconds(1)).ShouldBe(TimeSpan.FromMilliseconds(5));
        _queue.TryGet(out var key);
        await _loop.ProcessAsync(key, CancellationToken.None);
        TimeUntilRequeued(TimeSpan.FromSeconds(1)).ShouldBe(TimeSpan.FromMilliseconds(10));
        _queue.TryGet(out key);
        await _loop.ProcessAsync(key, CancellationToken.None);

        _queue.Retries(_key).ShouldBe(0);
        _queue.Length.ShouldBe(0);
        _metrics.Results.ShouldBe(["requeue", "requeue", "success"]);
    }

    [Fact]
    public async Task ChangeArrivingDuringAReconcile_TriggersExactlyOneMoreReconcile()
    {
        _reconciler.During = () =>
        {
            _queue.Add(_key);
            _queue.Add(_key);
        };
        _reconciler.Script(ReconcileResult.Done);

        await RunOnceAsync();

        _queue.Length.ShouldBe(1);
        _reconciler.During = null;
        _queue.TryGet(out var key);
        await _loop.ProcessAsync(key, CancellationToken.None);
        _queue.Length.ShouldBe(0);
        _reconciler.Calls.ShouldBe(2);
    }

    [Fact]
    public async Task RunAsync_ReconcilesEveryKeyThenStopsWhenCancelled()
    {
        using var stop = new CancellationTokenSource();
        var running = _loop.RunAsync(stop.Token);
        foreach (var name in new[] { "a", "b", "c" })
        {
            _queue.Add(new ObjectReference("ns", name));
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (_reconciler.Seen.Count < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10));
        _reconciler.Seen.Keys.Select(k => k.Name).Order(StringComparer.Ordinal).ShouldBe(["a", "b", "c"]);
    }

    private sealed class ScriptedReconciler : IReconciler
    {
        private readonly ConcurrentQueue<object> _script = new();

        public Action? During { get; set; }

        public int Calls { get; private set; }

        public ConcurrentDictionary<ObjectReference, int> Seen { get; } = new();

        public void Script(params object[] outcomes)
        {
            foreach (var outcome in outcomes)
            {
                _script.Enqueue(outcome);
            }
        }

        public Task<ReconcileResult> ReconcileAsync(ObjectReference key, CancellationToken cancellationToken)
        {
            Calls++;
            Seen.AddOrUpdate(key, 1, (_, n) => n + 1);
            During?.Invoke();
            return _script.TryDequeue(out var next)
                ? next is Exception e ? Task.FromException<ReconcileResult>(e) : Task.FromResult((ReconcileResult)next)
                : Task.FromResult(ReconcileResult.Done);
        }
    }

    private sealed class RecordingLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<(Microsoft.Extensions.Logging.LogLevel Level, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, exception));
    }

    private sealed class RecordingMetrics : IControllerMetrics
    {
        public List<string> Results { get; } = [];

        public void Reconciled(string controller, string result, TimeSpan duration) => Results.Add(result);

        public void ActiveWorkers(string controller, int count)
        {
        }
    }
}
