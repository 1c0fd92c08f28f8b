using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.Semantics;
using MoeOperator.DevCluster.Storage;

namespace MoeOperator.DevCluster.Http;

/// <summary>
/// Watch event lines, encoded once per stored change and served to every watch of the same resource version, as
/// kube-apiserver's watch cache serializes an event once for all its watchers. With the operator, its standbys and
/// a dashboard watching pods, a change was otherwise copied and written out once per watch.
/// </summary>
internal static class EncodedEvents
{
    // Keyed on the stored object, which the store never edits (a change stores a new one) and which goes when no
    // event holds it any more.
    private static readonly ConditionalWeakTable<JsonObject, Encoded> _lines = [];

    /// <summary>The line a watch of <paramref name="type"/> writes for a stored change.</summary>
    public static string Line(ResourceType type, WatchEventType eventType, JsonObject stored)
    {
        if (_lines.TryGetValue(stored, out var encoded) && ReferenceEquals(encoded.Type, type) && encoded.EventType == eventType)
        {
            return encoded.Line;
        }

        var line = Encode(eventType, ResourceService.Versioned(type, stored.DeepClone().AsObject()));
        _lines.AddOrUpdate(stored, new Encoded(type, eventType, line));
        return line;
    }

    /// <summary>One watch event as the line the server writes.</summary>
    public static string Encode(WatchEventType eventType, JsonObject obj) =>
        new JsonObject { ["type"] = eventType.ToString(), ["object"] = obj }.ToJsonString() + "\n";

    private sealed record Encoded(ResourceType Type, WatchEventType EventType, string Line);
}
