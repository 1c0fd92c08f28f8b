using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Storage;

namespace MoeOperator.DevCluster.Cluster;

/// <summary>
/// A component's copies of every object of one resource, as an informer's cache: a watch on the store tells which
/// objects changed, and <see cref="Refresh"/> copies only those, so a component woken by every pod change costs
/// the changes, not ten thousand pods, per pass. The first refresh (and one after the watch was closed, as a fault
/// may do) copies everything. The copies are shared between passes: read them, and DeepClone one before changing it.
/// Made by <see cref="ClusterApi.Cache"/>, which pauses them all when the component stops.
/// </summary>
internal sealed class ResourceCache(ClusterApi api, string groupResource)
{
    // Ordered as the store orders (namespace, then name), so Items reads as a List would.
    private readonly SortedDictionary<(string Namespace, string Name), JsonObject> _copies = new();
    private WatchSubscription? _changes;

    /// <summary>Every object, in namespace and name order, as of the last refresh.</summary>
    public IReadOnlyCollection<JsonObject> Items => _copies.Values;

    /// <summary>Brings the copies up to date; returns the keys of objects added, changed or removed since the last refresh.</summary>
    public IReadOnlyList<(string Namespace, string Name)> Refresh()
    {
        var store = api.Service.Store;
        if (_changes is null || _changes.IsClosed)
        {
            // Watch first, then copy everything: a change in between is both copied and reported, never lost.
            _changes?.Dispose();
            _changes = store.Watch(groupResource, null, null);
            Drain();
            return store.Sync(groupResource, _copies);
        }

        var keys = Drain();
        return keys.Count == 0 ? [] : store.Sync(groupResource, _copies, keys);
    }

    /// <summary>
    /// Stops following changes until the next refresh (which then copies everything again): for a component that
    /// stops looking for a while, so changes do not pile up unread.
    /// </summary>
    public void Pause()
    {
        _changes?.Dispose();
        _changes = null;
    }

    /// <summary>The copy of one object, or null (a copy: DeepClone it before changing it).</summary>
    public JsonObject? Find(string? ns, string name) => _copies.GetValueOrDefault((ns ?? "", name));

    private HashSet<(string Namespace, string Name)> Drain()
    {
        var keys = new HashSet<(string Namespace, string Name)>();
        while (_changes!.Events.TryRead(out var change))
        {
            keys.Add((change.Key.Namespace, change.Key.Name));
        }

        return keys;
    }
}
