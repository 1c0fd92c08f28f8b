using System.Text.Json.Nodes;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Runtime.Informers;

/// <summary>
/// The informer's copy of the watched objects, indexed by namespace, owner uid and label, so a lookup costs what it
/// finds, not the size of the cluster. Lookups hand out copies (a reconciler may edit what it reads);
/// <see cref="Select{T}(Func{JsonObject, T})"/> reads every object in place for projections that keep none of it.
/// </summary>
public sealed class ObjectCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ObjectReference, JsonObject> _objects = [];
    private readonly Dictionary<string, HashSet<ObjectReference>> _byNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<ObjectReference>> _byOwner = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Label, string Value), HashSet<ObjectReference>> _byLabel = [];

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
    public List<JsonObject> List(string? ns = null)
    {
        lock (_gate)
        {
            return ns is null
                ? [.. _objects.Values.Select(o => o.DeepClone().AsObject())]
                : Copies(_byNamespace.GetValueOrDefault(ns));
        }
    }

    /// <summary>Copies of the objects whose ownerReferences name <paramref name="ownerUid"/>.</summary>
    public List<JsonObject> ByOwner(string ownerUid)
    {
        lock (_gate)
        {
            return Copies(_byOwner.GetValueOrDefault(ownerUid));
        }
    }

    /// <summary>Copies of the objects labelled <paramref name="label"/>=<paramref name="value"/>.</summary>
    public List<JsonObject> ByLabel(string label, string value)
    {
        lock (_gate)
        {
            return Copies(_byLabel.GetValueOrDefault((label, value)));
        }
    }

    /// <summary>
    /// <paramref name="projection"/> of every object, read in place without a copy: the projection must return
    /// values of its own (numbers, strings, records), never the object or a node of it, and must not edit it.
    /// </summary>
    public List<T> Select<T>(Func<JsonObject, T> projection)
    {
        ArgumentNullException.ThrowIfNull(projection);
        lock (_gate)
        {
            return [.. _objects.Values.Select(projection)];
        }
    }

    /// <summary><paramref name="projection"/> of every object, each computed once per stored version.</summary>
    public List<T> Select<T>(CachedProjection<T> projection)
    {
        ArgumentNullException.ThrowIfNull(projection);
        lock (_gate)
        {
            return [.. _objects.Values.Select(projection.Of)];
        }
    }

    /// <summary>Stores the object; returns the previous state.</summary>
    internal JsonObject? Upsert(JsonObject obj)
    {
        lock (_gate)
        {
            var key = KeyOf(obj);
            if (_objects.TryGetValue(key, out var previous))
            {
                Unindex(key, previous);
            }

            _objects[key] = obj;
            Index(key, obj);
            return previous;
        }
    }

    /// <summary>Removes the object; returns its last state.</summary>
    internal JsonObject? Remove(ObjectReference key)
    {
        lock (_gate)
        {
            if (!_objects.Remove(key, out var previous))
            {
                return null;
            }

            Unindex(key, previous);
            return previous;
        }
    }

    internal List<ObjectReference> Keys()
    {
        lock (_gate)
        {
            return [.. _objects.Keys];
        }
    }

    private List<JsonObject> Copies(HashSet<ObjectReference>? keys) =>
        keys is null ? [] : [.. keys.Select(k => _objects[k].DeepClone().AsObject())];

    private void Index(ObjectReference key, JsonObject obj)
    {
        Add(_byNamespace, key.Namespace, key);
        foreach (var owner in Owners(obj))
        {
            Add(_byOwner, owner, key);
        }

        foreach (var label in Labels(obj))
        {
            Add(_byLabel, label, key);
        }
    }

    private void Unindex(ObjectReference key, JsonObject obj)
    {
        Drop(_byNamespace, key.Namespace, key);
        foreach (var owner in Owners(obj))
        {
            Drop(_byOwner, owner, key);
        }

        foreach (var label in Labels(obj))
        {
            Drop(_byLabel, label, key);
        }
    }

    private static IEnumerable<string> Owners(JsonObject obj) =>
        obj["metadata"]?["ownerReferences"] is JsonArray owners ? owners.Select(r => Text(r?["uid"])).OfType<string>() : [];

    private static IEnumerable<(string, string)> Labels(JsonObject obj) =>
        obj["metadata"]?["labels"] is JsonObject labels ? labels.Where(l => Text(l.Value) is not null).Select(l => (l.Key, Text(l.Value)!)) : [];

    // A string value, or null for anything else (the API server admits only strings here; a cache never throws on input).
    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static void Add<TKey>(Dictionary<TKey, HashSet<ObjectReference>> index, TKey value, ObjectReference key)
        where TKey : notnull
    {
        if (!index.TryGetValue(value, out var keys))
        {
            index[value] = keys = [];
        }

        keys.Add(key);
    }

    private static void Drop<TKey>(Dictionary<TKey, HashSet<ObjectReference>> index, TKey value, ObjectReference key)
        where TKey : notnull
    {
        if (index.TryGetValue(value, out var keys) && keys.Remove(key) && keys.Count == 0)
        {
            index.Remove(value);
        }
    }
}
