using k8s.Models;

namespace MoeOperator.DevCluster.Catalog;

/// <summary>A resource the API server serves: where it lives in the URL space and what behaviour it gets.</summary>
public sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Kind,
    bool Namespaced,
    IReadOnlyList<string> ShortNames,
    bool HasStatus = false,
    bool HasScale = false)
{
    /// <summary>The singular name, lower-case kind.</summary>
    public string Singular => Kind.ToLowerInvariant();

    /// <summary>The apiVersion objects of this type carry.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Group and plural, the identity of the stored collection (the same for every version).</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>Categories for kubectl get (for example "all" or "moe").</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>The structural schema of a custom resource version; null for built-in kinds.</summary>
    public V1JSONSchemaProps? Schema { get; init; }

    /// <summary>Printer columns of a custom resource version.</summary>
    public IReadOnlyList<V1CustomResourceColumnDefinition> PrinterColumns { get; init; } = [];

    /// <summary>Set when the objects live in another resource's store (events.k8s.io Events in core Events').</summary>
    public IStorageView? View { get; init; }

    /// <summary>The group-resource whose store holds this resource's objects.</summary>
    public string StorageResource => View?.StoredAs ?? GroupResource;

    /// <summary>The verbs served; null for all of them (create, delete, deletecollection, get, list, patch, update, watch).</summary>
    public IReadOnlyList<string>? Verbs { get; init; }

    /// <summary>Whether this is a custom resource served from a CRD.</summary>
    public bool IsCustom => Schema is not null;
}
