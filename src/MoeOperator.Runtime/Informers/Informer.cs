using System.Text.Json.Nodes;

namespace MoeOperator.Runtime.Informers;

/// <summary>
/// Keeps <see cref="Cache"/> equal to the server's objects of one resource and tells handlers about every change.
/// It lists, then watches from the list's resourceVersion; a stream that ends is resumed from the last
/// resourceVersion seen (bookmarks included), so nothing is missed; a 410 Expired relists, and objects that
/// vanished meanwhile get synthetic Deleted events; a watch silent for longer than the watchdog timeout is
/// restarted; reconnects after failures or empty streams back off exponentially. Periodic resync replays the cache.
/// </summary>
public sealed class Informer(string name, IListWatchSource source, InformerOptions options, TimeProvider clock, Action<string, Exception>? onError = null)
{
    private readonly List<Action<InformerEvent>> _handlers = [];
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The informer's name in logs.</summary>
    public string Name { get; } = name;

    /// <summary>The current objects.</summary>
    public ObjectCache Cache { get; } = new();

    /// <summary>Whether the first list has filled the cache.</summary>
    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>Completes when the first list has filled the cache.</summary>
    public Task Synced => _synced.Task;

    /// <summary>Calls <paramref name="handler"/> for every change, on the informer's task, in order; the object is the one the cache stores (read it, never edit it).</summary>
    public void AddHandler(Action<InformerEvent> handler) => _handlers.Add(handler);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = options.InitialReconnectDelay;
        string? resourceVersion = null;
        using var resync = options.ResyncPeriod > TimeSpan.Zero
            ? clock.CreateTimer(_ => Resync(), null, options.ResyncPeriod, options.ResyncPeriod)
            : null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await RelistAsync(cancellationToken);
                    _synced.TrySetResult();
                }

                var (last, delivered) = await WatchAsync(resourceVersion, cancellationToken);
                resourceVersion = last;
                if (delivered)
                {
                    delay = options.InitialReconnectDelay;
                    continue;
                }

                // A stream that ends at once again and again must not hammer the API server.
                await Task.Delay(delay, clock, cancellationToken);
                delay = Next(delay);
            }
            catch (ResourceExpiredException)
            {
                resourceVersion = null;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                onError?.Invoke(Name, e);
                try
                {
                    await Task.Delay(delay, clock, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = Next(delay);
            }
        }
    }

    private TimeSpan Next(TimeSpan delay) => delay * 2 > options.MaxReconnectDelay ? options.MaxReconnectDelay : delay * 2;

    private async Task<string> RelistAsync(CancellationToken cancellationToken)
    {
        var (items, resourceVersion) = await source.ListAsync(cancellationToken);
        var listed = new HashSet<Controllers.ObjectReference>();
        foreach (var item in items)
        {
            listed.Add(ObjectCache.KeyOf(item));
            Apply("MODIFIED", item);
        }

        // Objects deleted while the informer could not watch: the list no longer has them.
        foreach (var key in Cache.Keys().Where(k => !listed.Contains(k)))
        {
            if (Cache.Remove(key) is { } gone)
            {
                Notify(new InformerEvent(InformerEventType.Deleted, gone));
            }
        }

        return resourceVersion;
    }

    private async Task<(string ResourceVersion, bool Delivered)> WatchAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var timer = clock.CreateTimer(_ => watchdog.Cancel(), null, options.WatchdogTimeout, Timeout.InfiniteTimeSpan);
        var delivered = false;
        try
        {
            await foreach (var watched in source.WatchAsync(resourceVersion, watchdog.Token))
            {
                timer.Change(options.WatchdogTimeout, Timeout.InfiniteTimeSpan);
                delivered = true;
                resourceVersion = (string?)watched.Object["metadata"]?["resourceVersion"] ?? resourceVersion;
                Apply(watched.Type, watched.Object);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The watchdog fired: the stream went silent; resume from the last resourceVersion.
        }

        return (resourceVersion, delivered);
    }

    private void Apply(string type, JsonObject obj)
    {
        switch (type)
        {
            case "BOOKMARK":
                return;
            case "DELETED":
                if (Cache.Remove(ObjectCache.KeyOf(obj)) is not null)
                {
                    Notify(new InformerEvent(InformerEventType.Deleted, obj));
                }

                return;
            default:
                var previous = Cache.Upsert(obj);
                if (previous is null)
                {
                    Notify(new InformerEvent(InformerEventType.Added, obj));
                }
                else if ((string?)previous["metadata"]?["resourceVersion"] != (string?)obj["metadata"]?["resourceVersion"])
                {
                    Notify(new InformerEvent(InformerEventType.Updated, obj, previous));
                }

                return;
        }
    }

    private void Resync()
    {
        foreach (var obj in Cache.List())
        {
            Notify(new InformerEvent(InformerEventType.Resync, obj));
        }
    }

    private void Notify(InformerEvent change)
    {
        foreach (var handler in _handlers)
        {
            handler(change);
        }
    }
}
