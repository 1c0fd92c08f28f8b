using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Catalog;

/// <summary>
/// A resource served as another resource's objects in its own shape, as the real API server serves
/// events.k8s.io/v1 Events and core v1 Events from one store: written through either, read through either.
/// </summary>
public interface IStorageView
{
    /// <summary>The group-resource whose store holds the objects.</summary>
    string StoredAs { get; }

    /// <summary>An object in this resource's shape, as the store keeps it.</summary>
    JsonObject ToStored(JsonObject viewed);

    /// <summary>A stored object, in this resource's shape.</summary>
    JsonObject FromStored(JsonObject stored);
}
