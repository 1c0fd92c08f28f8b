using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.Semantics;
using MoeOperator.DevCluster.Storage;

namespace MoeOperator.DevCluster.Http;

/// <summary>
/// Serves a watch as the real server does: one JSON event per line on a streamed response, selectors applied to
/// both the old and the new state (an object leaving the selection is DELETED for that watcher), bookmarks
/// when asked for, an ERROR event with a 410 Status when the resourceVersion is too old, and an end after
/// timeoutSeconds.
/// </summary>
internal sealed class WatchStreamer(ObjectStore store, FaultInjector faults, TimeProvider clock, TimeSpan bookmarkInterval)
{
    public async Task StreamAsync(HttpContext context, ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, bool asTable)
    {
        var query = context.Request.Query;
        var since = query["resourceVersion"].ToString() is { Length: > 0 } rv && rv != "0" ? long.Parse(rv, CultureInfo.InvariantCulture) : (long?)null;
        var timeout = int.TryParse(query["timeoutSeconds"], CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        var bookmarks = query["allowWatchBookmarks"] == "true";

        // Streaming lists (client-go's WatchListClient): the current objects, then a bookmark marking their end.
        var initialEventsEnd = query["sendInitialEvents"] == "true";
        if (initialEventsEnd)
        {
            since = null;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";
        WatchSubscription watch;
        try
        {
            watch = store.Watch(type.StorageResource, ns, since);
        }
        catch (ExpiredException expired)
        {
            var status = ApiException.Status(410, "Expired", expired.Message);
            await WriteEventAsync(context, WatchEventType.ERROR, status);
            return;
        }

        using (watch)
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted))
        {
            stop.CancelAfter(timeout);
            await context.Response.Body.FlushAsync(stop.Token);
            var lastRevision = since ?? 0;
            var nextBookmark = clock.GetUtcNow() + bookmarkInterval;
            var initialLeft = initialEventsEnd ? watch.InitialEvents : -1;
            if (initialLeft == 0)
            {
                await WriteEventAsync(context, WatchEventType.BOOKMARK, Bookmark(type, watch.StartRevision, initialEventsEnd: true));
            }

            try
            {
                while (!stop.IsCancellationRequested)
                {
                    if (watch.IsClosed)
                    {
                        return;
                    }

                    if (faults.WatchesStalled)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(20), stop.Token);
                        continue;
                    }

                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                    wait.CancelAfter(bookmarkInterval);
                    bool ready;
                    try
                    {
                        ready = await watch.Events.WaitToReadAsync(wait.Token);
                    }
                    catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                    {
                        ready = true;
                    }

                    if (!ready)
                    {
                        return;
                    }

                    while (!faults.WatchesStalled && !watch.IsClosed && watch.Events.TryRead(out var stored))
                    {
                        lastRevision = Math.Max(lastRevision, stored.Revision);
                        if (Filter(type, stored, labels, fields) is { } eventType)
                        {
                            if (asTable)
                            {
                                var obj = ResourceService.Versioned(type, stored.Object.DeepClone().AsObject());
                                await WriteEventAsync(context, eventType, TableBuilder.Build(type, [obj], null, false, clock.GetUtcNow()));
                            }
                            else
                            {
                                await WriteLineAsync(context, EncodedEvents.Line(type, eventType, stored.Object));
                            }
                        }

                        if (initialLeft > 0 && --initialLeft == 0)
                        {
                            await WriteEventAsync(context, WatchEventType.BOOKMARK, Bookmark(type, watch.StartRevision, initialEventsEnd: true));
                        }
                    }

                    if (bookmarks && !faults.WatchesStalled && clock.GetUtcNow() >= nextBookmark)
                    {
                        nextBookmark = clock.GetUtcNow() + bookmarkInterval;
                        await WriteEventAsync(context, WatchEventType.BOOKMARK, Bookmark(type, Math.Max(lastRevision, watch.StartRevision), initialEventsEnd: false));
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The client went away or timeoutSeconds passed: the stream simply ends.
            }
        }
    }

    // A bookmark is an empty object of the watched kind that carries only a resourceVersion (and the end-of-initial-events mark).
    private static JsonObject Bookmark(ResourceType type, long revision, bool initialEventsEnd)
    {
        var metadata = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        return new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion, ["metadata"] = metadata };
    }

    // Selectors see the old and the new state, so a watcher learns when an object enters or leaves its selection.
    private static WatchEventType? Filter(ResourceType type, StoredEvent stored, LabelSelector labels, FieldSelector fields)
    {
        // Selectors name the fields of the resource watched, which a view's store may keep under other names.
        bool Matches(JsonObject? obj) => obj is not null && (type.View?.FromStored(obj) ?? obj) is var seen && labels.Matches(seen) && fields.Matches(seen);
        var now = Matches(stored.Object);
        var before = stored.Previous is not null && Matches(stored.Previous);
        return stored.Type switch
        {
            WatchEventType.ADDED => now ? WatchEventType.ADDED : null,
            WatchEventType.DELETED => before || now ? WatchEventType.DELETED : null,
            _ when now && before => WatchEventType.MODIFIED,
            _ when now => WatchEventType.ADDED,
            _ when before => WatchEventType.DELETED,
            _ => null,
        };
    }

    private static Task WriteEventAsync(HttpContext context, WatchEventType type, JsonObject obj) =>
        WriteLineAsync(context, EncodedEvents.Encode(type, obj));

    private static async Task WriteLineAsync(HttpContext context, string line)
    {
        await context.Response.WriteAsync(line, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
