using System.Text.Json.Nodes;

namespace MoeOperator.Runtime.Informers;

/// <summary>Where an informer lists and watches one resource.</summary>
public interface IListWatchSource
{
    /// <summary>Every object (paging as needed) and the resourceVersion the list is consistent at.</summary>
    Task<(IReadOnlyList<JsonObject> Items, string ResourceVersion)> ListAsync(CancellationToken cancellationToken);

    /// <summary>Changes after <paramref name="resourceVersion"/>, bookmarks included; ends when the server closes the stream; throws <see cref="ResourceExpiredException"/> on 410.</summary>
    IAsyncEnumerable<WatchedEvent> WatchAsync(string resourceVersion, CancellationToken cancellationToken);
}
