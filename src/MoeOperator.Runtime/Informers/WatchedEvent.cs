using System.Text.Json.Nodes;

namespace MoeOperator.Runtime.Informers;

/// <summary>One event of a watch stream: ADDED, MODIFIED, DELETED or BOOKMARK, with its object.</summary>
public sealed record WatchedEvent(string Type, JsonObject Object);
