using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Storage;

/// <summary>
/// Every object of the dev cluster as a JSON document, with one global resourceVersion, a bounded history of
/// changes for resuming watches, and indexes by uid and by owner. Callers that read, decide and write hold
/// <see cref="Gate"/> across all three, so the decision sees the state it changes; watches get their events in
/// revision order because they are delivered under the same lock.
/// </summary>
public sealed class ObjectStore(int historyLimit = 100_000)
{
    private readonly Dictionary<string, SortedDictionary<(string Namespace, string Name), JsonObject>> _collections = [];
    private readonly Dictionary<string, ObjectKey> _byUid = [];
    private readonly Dictionary<string, HashSet<ObjectKey>> _dependentsByOwnerUid = [];
    private readonly Queue<StoredEvent> _history = new();
    private readonly List<WatchSubscription> _watches = [];
    private long _revision = 1;
    private long _historyStart = 1;

    /// <summary>The lock every read-modify-write sequence holds.</summary>
    public object Gate { get; } = new();

    /// <summary>The resourceVersion of the latest change.</summary>
    public long Revision
    {
        get
        {
            lock (Gate)
            {
                return _revision;
            }
        }
    }

    /// <summary>Live watch streams.</summary>
    public int WatchCount
    {
        get
        {
            lock (Gate)
            {
                return _watches.Count;
            }
        }
    }

    /// <summary>A copy of the stored object, or null.</summary>
    public JsonObject? Get(ObjectKey key)
    {
        lock (Gate)
        {
            return Find(key)?.DeepClone().AsObject();
        }
    }

    /// <summary>Copies of every object of a resource (in one namespace, or all when null), sorted by namespace and name.</summary>
    public (List<JsonObject> Items, long Revision) List(string groupResource, string? ns)
    {
        lock (Gate)
        {
            var items = new List<JsonObject>();
            if (_collections.TryGetValue(groupResource, out var collection))
            {
                foreach (var ((objectNamespace, _), obj) in collection)
                {
                    if (ns is null || objectNamespace == ns)
                    {
                        items.Add(obj.DeepClone().AsObject());
                    }
                }
            }

            return (items, _revision);
        }
    }

    /// <summary>
    /// Brings a reader's copies of every object of a resource up to date: an object whose resourceVersion the copy
    /// already has is not copied again, one that changed or is new is, and a copy of an object that is gone is
    /// dropped. Returns the keys that changed (added, modified or removed); a pass over ten thousand unchanged pods
    /// then costs lookups, not copies.
    /// </summary>
    public List<(string Namespace, string Name)> Sync(string groupResource, IDictionary<(string Namespace, string Name), JsonObject> copies)
    {
        ArgumentNullException.ThrowIfNull(copies);
        lock (Gate)
        {
            // Every stored key and every copied one: the keyed sync copies what moved and drops what went.
            var keys = new HashSet<(string Namespace, string Name)>(copies.Keys);
            if (_collections.TryGetValue(groupResource, out var collection))
            {
                keys.UnionWith(collection.Keys);
            }

            return Sync(groupResource, copies, keys);
        }
    }

    /// <summary>
    /// <see cref="Sync(string, IDictionary{ValueTuple{string, string}, JsonObject})"/> for only the objects under
    /// <paramref name="keys"/> (those a watch said changed): each is copied again if its resourceVersion moved, or
    /// its copy dropped if it is gone. Returns the keys whose copy changed.
    /// </summary>
    public List<(string Namespace, string Name)> Sync(string groupResource, IDictionary<(string Namespace, string Name), JsonObject> copies, IEnumerable<(string Namespace, string Name)> keys)
    {
        ArgumentNullException.ThrowIfNull(copies);
        ArgumentNullException.ThrowIfNull(keys);
        var changed = new List<(string Namespace, string Name)>();
        lock (Gate)
        {
            _collections.TryGetValue(groupResource, out var collection);
            foreach (var key in keys)
            {
                var stored = collection?.GetValueOrDefault(key);
                copies.TryGetValue(key, out var copy);
                if (stored is null)
                {
                    if (copies.Remove(key))
                    {
                        changed.Add(key);
                    }
                }
                else if (copy is null || (string?)copy["metadata"]?["resourceVersion"] != (string?)stored["metadata"]?["resourceVersion"])
                {
                    copies[key] = stored.DeepClone().AsObject();
                    changed.Add(key);
                }
            }
        }

        return changed;
    }

    /// <summary>Keys of every object of a resource in a namespace (all namespaces when null).</summary>
    public List<ObjectKey> Keys(string groupResource, string? ns)
    {
        lock (Gate)
        {
            return _collections.TryGetValue(groupResource, out var collection)
                ? [.. collection.Keys.Where(k => ns is null || k.Namespace == ns).Select(k => new ObjectKey(groupResource, k.Namespace, k.Name))]
                : [];
        }
    }

    /// <summary>The key of the object with this uid, if it exists.</summary>
    public ObjectKey? KeyOfUid(string uid)
    {
        lock (Gate)
        {
            return _byUid.GetValueOrDefault(uid);
        }
    }

    /// <summary>Objects whose ownerReferences name this uid.</summary>
    public List<ObjectKey> DependentsOf(string uid)
    {
        lock (Gate)
        {
            return _dependentsByOwnerUid.TryGetValue(uid, out var keys) ? [.. keys] : [];
        }
    }

    /// <summary>Stores <paramref name="obj"/> under <paramref name="key"/> with a new resourceVersion and tells the watches.</summary>
    public JsonObject Put(ObjectKey key, JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(obj);
        lock (Gate)
        {
            var previous = Find(key);
            var revision = ++_revision;
            // Re-parsed rather than cloned: every stored value is then JSON-backed and reads as any numeric type.
            var stored = JsonNode.Parse(obj.ToJsonString())!.AsObject();
            Metadata(stored)["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
            if (previous is not null)
            {
                Unindex(key, previous);
            }

            Collection(key.GroupResource)[(key.Namespace, key.Name)] = stored;
            Index(key, stored);
            Record(new StoredEvent(key, previous is null ? WatchEventType.ADDED : WatchEventType.MODIFIED, stored, revision, previous));
            return stored.DeepClone().AsObject();
        }
    }

    /// <summary>Removes the object; the DELETED event carries its last state with a new resourceVersion.</summary>
    public JsonObject? Remove(ObjectKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (Gate)
        {
            var previous = Find(key);
            if (previous is null)
            {
                return null;
            }

            var revision = ++_revision;
            _collections[key.GroupResource].Remove((key.Namespace, key.Name));
            Unindex(key, previous);
            var last = previous.DeepClone().AsObject();
            Metadata(last)["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
            Record(new StoredEvent(key, WatchEventType.DELETED, last, revision, previous));
            return last.DeepClone().AsObject();
        }
    }

    /// <summary>
    /// Starts a watch. From a resourceVersion it replays every later change first; without one it starts with an
    /// ADDED event for each existing object. Throws <see cref="ExpiredException"/> when the history no longer
    /// reaches back to <paramref name="sinceRevision"/>.
    /// </summary>
    public WatchSubscription Watch(string groupResource, string? ns, long? sinceRevision)
    {
        lock (Gate)
        {
            if (sinceRevision is { } since && since < _historyStart)
            {
                throw new ExpiredException(since, _historyStart);
            }

            var watch = new WatchSubscription(groupResource, ns, w =>
            {
                lock (Gate)
                {
                    _watches.Remove(w);
                }
            });
            if (sinceRevision is { } from)
            {
                foreach (var stored in _history.Where(e => e.Revision > from && watch.Matches(e.Key)))
                {
                    watch.Deliver(stored);
                }
            }
            else if (_collections.TryGetValue(groupResource, out var collection))
            {
                foreach (var ((objectNamespace, name), obj) in collection.Where(c => ns is null || c.Key.Namespace == ns))
                {
                    var key = new ObjectKey(groupResource, objectNamespace, name);
                    watch.Deliver(new StoredEvent(key, WatchEventType.ADDED, obj, long.Parse((string)obj["metadata"]!["resourceVersion"]!, CultureInfo.InvariantCulture), null));
                    watch.InitialEvents++;
                }
            }

            watch.StartRevision = _revision;

            _watches.Add(watch);
            return watch;
        }
    }

    /// <summary>Forgets the history, so a watch can only resume from now on (what etcd compaction does).</summary>
    public void Compact()
    {
        lock (Gate)
        {
            _history.Clear();
            _historyStart = _revision;
        }
    }

    /// <summary>Ends every live watch stream (for fault injection); clients must reconnect and resume.</summary>
    public void CloseWatches(string? groupResource = null)
    {
        lock (Gate)
        {
            foreach (var watch in _watches.Where(w => groupResource is null || w.GroupResource == groupResource).ToList())
            {
                watch.Close();
            }
        }
    }

    private void Record(StoredEvent stored)
    {
        _history.Enqueue(stored);
        while (_history.Count > historyLimit)
        {
            _historyStart = _history.Dequeue().Revision;
        }

        foreach (var watch in _watches)
        {
            if (watch.Matches(stored.Key))
            {
                watch.Deliver(stored);
            }
        }
    }

    private JsonObject? Find(ObjectKey key) =>
        _collections.TryGetValue(key.GroupResource, out var collection) && collection.TryGetValue((key.Namespace, key.Name), out var obj) ? obj : null;

    private SortedDictionary<(string, string), JsonObject> Collection(string groupResource)
    {
        if (!_collections.TryGetValue(groupResource, out var collection))
        {
            collection = new SortedDictionary<(string, string), JsonObject>();
            _collections[groupResource] = collection;
        }

        return collection;
    }

    private void Index(ObjectKey key, JsonObject obj)
    {
        if ((string?)obj["metadata"]?["uid"] is { } uid)
        {
            _byUid[uid] = key;
        }

        foreach (var owner in OwnerUids(obj))
        {
            if (!_dependentsByOwnerUid.TryGetValue(owner, out var set))
            {
                set = [];
                _dependentsByOwnerUid[owner] = set;
            }

            set.Add(key);
        }
    }

    private void Unindex(ObjectKey key, JsonObject obj)
    {
        if ((string?)obj["metadata"]?["uid"] is { } uid)
        {
            _byUid.Remove(uid);
        }

        foreach (var owner in OwnerUids(obj))
        {
            if (_dependentsByOwnerUid.TryGetValue(owner, out var set) && set.Remove(key) && set.Count == 0)
            {
                _dependentsByOwnerUid.Remove(owner);
            }
        }
    }

    private static IEnumerable<string> OwnerUids(JsonObject obj) =>
        obj["metadata"]?["ownerReferences"]?.AsArray().Select(r => (string?)r?["uid"]).OfType<string>() ?? [];

    private static JsonObject Metadata(JsonObject obj) => (obj["metadata"] ??= new JsonObject()).AsObject();
}
