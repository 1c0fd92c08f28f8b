using System.Text.Json.Nodes;

namespace MoeOperator.Runtime.Informers;

/// <summary>A change the informer tells its handlers about.</summary>
/// <param name="Type">Added, Updated, Deleted, or Resync for the periodic replay of every cached object.</param>
/// <param name="Object">The object's state after the change (its last state for Deleted).</param>
/// <param name="Previous">The state before, for Updated.</param>
public sealed record InformerEvent(InformerEventType Type, JsonObject Object, JsonObject? Previous = null);

/// <summary>Kinds of informer event.</summary>
public enum InformerEventType
{
    Added,
    Updated,
    Deleted,
    Resync,
}
