using System.Text.Json.Nodes;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Runtime.Informers;

/// <summary>
/// One kind's cache read through one or more informers: an operator limited to a list of namespaces runs an
/// informer per namespace (a watch cannot span a chosen set of namespaces), and reconcilers read them as one.
/// </summary>
public sealed class CacheView(IReadOnlyList<ObjectCache> caches)
{
    /// <summary>The object with this key, or null.</summary>
    public JsonObject? Get(ObjectReference key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var cache in caches)
        {
            if (cache.Get(key) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>Every object, or those of one namespace.</summary>
    public List<JsonObject> List(string? ns = null) => [.. caches.SelectMany(c => c.List(ns))];

    /// <summary>The objects that name <paramref name="ownerUid"/> among their owners.</summary>
    public List<JsonObject> ByOwner(string ownerUid) => [.. caches.SelectMany(c => c.ByOwner(ownerUid))];

    /// <summary>A projection of every object, read in place (see <see cref="ObjectCache.Select{T}(Func{JsonObject, T})"/>).</summary>
    public List<T> Select<T>(Func<JsonObject, T> projection) => [.. caches.SelectMany(c => c.Select(projection))];

    /// <summary>A projection of every object, each computed once per stored version (see <see cref="CachedProjection{T}"/>).</summary>
    public List<T> Select<T>(CachedProjection<T> projection) => [.. caches.SelectMany(c => c.Select(projection))];

    /// <summary>The objects whose label <paramref name="label"/> equals <paramref name="value"/>.</summary>
    public List<JsonObject> ByLabel(string label, string value) => [.. caches.SelectMany(c => c.ByLabel(label, value))];
}
