using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace MoeOperator.Runtime.Informers;

/// <summary>
/// A projection of cached objects computed once per stored version. The cache never edits an object it holds: a
/// change replaces it with a new instance, so what was projected from an instance stays true for as long as that
/// instance is stored, and goes with it (the memory is weak). Placement reads every pod and node on each try; at
/// 10,000 pods that is the difference between parsing every pod's requests per try and parsing each once.
/// </summary>
/// <remarks>Pass only instances the cache stores (through <see cref="CacheView.Select{T}(CachedProjection{T})"/>): a copy that is edited later would keep its first projection.</remarks>
public sealed class CachedProjection<T>(Func<JsonObject, T> projection)
{
    private readonly ConditionalWeakTable<JsonObject, Computed> _computed = [];

    internal T Of(JsonObject stored) => _computed.GetValue(stored, o => new Computed(projection(o))).Value;

    private sealed record Computed(T Value);
}
