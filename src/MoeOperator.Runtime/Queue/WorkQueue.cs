namespace MoeOperator.Runtime.Queue;

/// <summary>
/// The controller work queue, with client-go's guarantees: a key waits in the queue at most once however often
/// it is added; a key being processed is never handed to a second worker, and if it is added meanwhile it is
/// queued again when the first worker calls <see cref="Done"/>; delayed adds keep the earliest due time;
/// rate-limited adds wait as the limiter says. Every clock is the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class WorkQueue<TKey> : IDisposable
    where TKey : notnull
{
    private readonly Lock _gate = new();
    private readonly Queue<TKey> _queue = new();
    private readonly HashSet<TKey> _dirty = [];
    private readonly HashSet<TKey> _processing = [];
    private readonly Dictionary<TKey, (DateTimeOffset Due, ITimer Timer)> _waiting = [];
    private readonly Dictionary<TKey, DateTimeOffset> _queuedAt = [];
    private readonly SemaphoreSlim _available = new(0);
    private readonly TimeProvider _clock;
    private readonly IRateLimiter<TKey> _limiter;
    private readonly IWorkQueueMetrics _metrics;
    private bool _shuttingDown;

    public WorkQueue(string name, TimeProvider clock, IRateLimiter<TKey> limiter, IWorkQueueMetrics? metrics = null)
    {
        Name = name;
        _clock = clock;
        _limiter = limiter;
        _metrics = metrics ?? IWorkQueueMetrics.None;
    }

    /// <summary>The queue's name in metrics (the controller's name).</summary>
    public string Name { get; }

    /// <summary>Keys waiting to be handed out (not those in flight or delayed).</summary>
    public int Length
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Keys handed out and not yet Done.</summary>
    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _processing.Count;
            }
        }
    }

    /// <summary>Queues a key unless it is already waiting.</summary>
    public void Add(TKey key)
    {
        lock (_gate)
        {
            if (_shuttingDown || !_dirty.Add(key))
            {
                return;
            }

            _metrics.Added(Name);
            if (_processing.Contains(key))
            {
                // Re-queued by Done, so two workers never hold the same key.
                return;
            }

            Enqueue(key);
        }
    }

    /// <summary>Queues a key after <paramref name="delay"/>; an earlier pending delay for the same key wins.</summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (_gate)
        {
            if (_shuttingDown)
            {
                return;
            }

            var due = _clock.GetUtcNow() + delay;
            if (_waiting.TryGetValue(key, out var pending))
            {
                if (pending.Due <= due)
                {
                    return;
                }

                pending.Timer.Dispose();
            }

            var timer = _clock.CreateTimer(_ => Ready(key, due), null, delay, Timeout.InfiniteTimeSpan);
            _waiting[key] = (due, timer);
        }
    }

    /// <summary>Queues a key after the rate limiter's delay; each call counts as one more retry.</summary>
    public void AddRateLimited(TKey key)
    {
        _metrics.Retried(Name);
        AddAfter(key, _limiter.DelayFor(key));
    }

    /// <summary>Clears the key's retry history, after it was processed successfully.</summary>
    public void Forget(TKey key) => _limiter.Forget(key);

    /// <summary>Retries of the key since it was last forgotten.</summary>
    public int Retries(TKey key) => _limiter.Retries(key);

    /// <summary>
    /// Waits for the next key and marks it in flight; the caller must call <see cref="Done"/> with it.
    /// Returns ShuttingDown once the queue is shut down and empty.
    /// </summary>
    public async Task<(TKey Key, bool ShuttingDown)> GetAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _available.WaitAsync(cancellationToken);
            if (TryGet(out var key))
            {
                return (key, false);
            }

            lock (_gate)
            {
                if (_shuttingDown)
                {
                    _available.Release();
                    return (default!, true);
                }
            }
        }
    }

    /// <summary>Takes the next key without waiting, if one is queued.</summary>
    public bool TryGet(out TKey key)
    {
        lock (_gate)
        {
            if (!_queue.TryDequeue(out key!))
            {
                return false;
            }

            _dirty.Remove(key);
            _processing.Add(key);
            if (_queuedAt.Remove(key, out var queuedAt))
            {
                _metrics.Dequeued(Name, _clock.GetUtcNow() - queuedAt, _queue.Count);
            }

            return true;
        }
    }

    /// <summary>Marks a key processed; if it was added while in flight it is queued again now.</summary>
    public void Done(TKey key)
    {
        lock (_gate)
        {
            _processing.Remove(key);
            if (_dirty.Contains(key) && !_shuttingDown)
            {
                Enqueue(key);
            }
        }
    }

    /// <summary>Stops accepting keys and wakes every waiting worker; keys already queued are still handed out.</summary>
    public void ShutDown()
    {
        lock (_gate)
        {
            _shuttingDown = true;
            foreach (var (_, (_, timer)) in _waiting)
            {
                timer.Dispose();
            }

            _waiting.Clear();
            _available.Release();
        }
    }

    public void Dispose()
    {
        ShutDown();
        _available.Dispose();
    }

    private void Ready(TKey key, DateTimeOffset due)
    {
        lock (_gate)
        {
            if (!_waiting.TryGetValue(key, out var pending) || pending.Due != due)
            {
                return;
            }

            _waiting.Remove(key);
            pending.Timer.Dispose();
        }

        Add(key);
    }

    private void Enqueue(TKey key)
    {
        _queue.Enqueue(key);
        _queuedAt[key] = _clock.GetUtcNow();
        _metrics.Depth(Name, _queue.Count);
        _available.Release();
    }
}
