using System.Text.Json.Nodes;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Runtime.Informers;

/// <summary>The informer's copy of the watched objects, with indexes by namespace, owner uid and label.</summary>
public sealed class ObjectCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ObjectReference, JsonObject> _objects = [];

    /// <summary>Objects in the cache.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _objects.Count;
            }
        }
    }

    public static ObjectReference KeyOf(JsonObject obj) =>
        new((string?)obj["metadata"]?["namespace"] ?? "", (string?)obj["metadata"]?["name"] ?? "");

    /// <summary>A copy of the cached object, or null.</summary>
    public JsonObject? Get(ObjectReference key)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(key, out var obj) ? obj.DeepClone().AsObject() : null;
        }
    }

    /// <summary>Copies of the objects in a namespace (all when null).</summary>
    public List<JsonObject> List(string? ns = null) => Where(key => ns is null || key.Namespace == ns, _ => true);

    /// <summary>Copies of the objects whose ownerReferences name <paramref name="ownerUid"/>.</summary>
    public List<JsonObject> ByOwner(string ownerUid) =>
        Where(_ => true, o => o["metadata"]?["ownerReferences"]?.AsArray().Any(r => (string?)r?["uid"] == ownerUid) == true);

    /// <summary>Copies of the objects labelled <paramref name="label"/>=<paramref name="value"/>.</summary>
    public List<JsonObject> ByLabel(string label, string value) =>
        Where(_ => true, o => (string?)o["metadata"]?["labels"]?[label] == value);

    /// <summary>Stores the object; returns the previous state.</summary>
    internal JsonObject? Upsert(JsonObject obj)
    {
        lock (_gate)
        {
            var key = KeyOf(obj);
            _objects.TryGetValue(key, out var previous);
            _objects[key] = obj;
            return previous;
        }
    }

    /// <summary>Removes the object; returns its last state.</summary>
    internal JsonObject? Remove(ObjectReference key)
    {
        lock (_gate)
        {
            return _objects.Remove(key, out var previous) ? previous : null;
        }
    }

    internal List<ObjectReference> Keys()
    {
        lock (_gate)
        {
            return [.. _objects.Keys];
        }
    }

    private List<JsonObject> Where(Func<ObjectReference, bool> keyFilter, Func<JsonObject, bool> filter)
    {
        lock (_gate)
        {
            return [.. _objects.Where(p => keyFilter(p.Key) && filter(p.Value)).Select(p => p.Value.DeepClone().AsObject())];
        }
    }
}
