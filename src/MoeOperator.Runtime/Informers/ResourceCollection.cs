namespace MoeOperator.Runtime.Informers;

/// <summary>
/// A kind's collection on the API server, for example <c>("/api/v1", "pods", true)</c> or
/// <c>("/apis/moe.dev/v1alpha1", "epgroups", true)</c>.
/// </summary>
public sealed record ResourceCollection(string GroupVersionPath, string Plural, bool Namespaced)
{
    /// <summary>The collection's path in one namespace, or across all of them when <paramref name="ns"/> is null or the kind is cluster-scoped.</summary>
    public string PathIn(string? ns) => Namespaced && !string.IsNullOrEmpty(ns)
        ? $"{GroupVersionPath}/namespaces/{ns}/{Plural}"
        : $"{GroupVersionPath}/{Plural}";
}
