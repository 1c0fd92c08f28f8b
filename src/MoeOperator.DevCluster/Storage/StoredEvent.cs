using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Storage;

/// <summary>One change in the store's history; <see cref="Object"/> is the object's state after it (before it, for deletes).</summary>
public sealed record StoredEvent(ObjectKey Key, WatchEventType Type, JsonObject Object, long Revision, JsonObject? Previous);
