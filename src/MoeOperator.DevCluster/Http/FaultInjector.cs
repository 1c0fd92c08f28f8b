using System.Collections.Concurrent;
using MoeOperator.DevCluster.Storage;

namespace MoeOperator.DevCluster.Http;

/// <summary>Faults a test can inject: failed requests, latency, closed or stalled watches, compacted history.</summary>
public sealed class FaultInjector(ObjectStore store)
{
    private readonly ConcurrentQueue<FailureRule> _failures = new();

    /// <summary>Added to every request before it is served.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>While true, watch streams stay open but deliver nothing (not even bookmarks).</summary>
    public bool WatchesStalled { get; set; }

    /// <summary>Fails the next <paramref name="count"/> requests of <paramref name="verb"/> on <paramref name="resource"/> ("*" for any) with <paramref name="code"/>.</summary>
    public void FailNext(string verb, string resource, int code, int count = 1) => _failures.Enqueue(new FailureRule(verb, resource, code, count));

    /// <summary>Ends every open watch stream now; clients must resume from their last resourceVersion.</summary>
    public void CloseWatches(string? groupResource = null) => store.CloseWatches(groupResource);

    /// <summary>Drops the event history, so resuming from an older resourceVersion answers 410 Gone.</summary>
    public void CompactHistory() => store.Compact();

    /// <summary>Removes every pending failure and latency.</summary>
    public void Clear()
    {
        _failures.Clear();
        Latency = TimeSpan.Zero;
        WatchesStalled = false;
    }

    internal int? TakeFailure(string verb, string resource)
    {
        foreach (var rule in _failures)
        {
            if ((rule.Verb == "*" || rule.Verb == verb) && (rule.Resource == "*" || rule.Resource == resource) && rule.TryTake())
            {
                return rule.Code;
            }
        }

        return null;
    }

    private sealed class FailureRule(string verb, string resource, int code, int count)
    {
        private int _remaining = count;

        public string Verb { get; } = verb;

        public string Resource { get; } = resource;

        public int Code { get; } = code;

        public bool TryTake() => Interlocked.Decrement(ref _remaining) >= 0;
    }
}
