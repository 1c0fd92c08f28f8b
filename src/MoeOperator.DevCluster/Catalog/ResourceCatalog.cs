using System.Collections.Immutable;

namespace MoeOperator.DevCluster.Catalog;

/// <summary>
/// The resource types being served: the built-ins plus every served version of every established CRD.
/// Readers get an immutable snapshot, so discovery and routing never see a half-registered CRD.
/// </summary>
public sealed class ResourceCatalog
{
    private ImmutableList<ResourceType> _types = [.. BuiltinTypes.All];

    /// <summary>Every served type.</summary>
    public IReadOnlyList<ResourceType> All => _types;

    /// <summary>The type served at /apis/{group}/{version}/{plural} (or /api/v1/{plural}).</summary>
    public ResourceType? Find(string group, string version, string plural) =>
        _types.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == plural);

    /// <summary>Every version of one group and resource (a CRD may serve several).</summary>
    public IReadOnlyList<ResourceType> Versions(string groupResource) => [.. _types.Where(t => t.GroupResource == groupResource)];

    /// <summary>Some served version of a group and resource, or null when none is served.</summary>
    public ResourceType? AnyVersion(string groupResource) => _types.Find(t => t.GroupResource == groupResource);

    /// <summary>Replaces the types served for one CRD's group and resource.</summary>
    public void Register(string groupResource, IEnumerable<ResourceType> versions) =>
        ImmutableInterlocked.Update(ref _types, list => list.RemoveAll(t => t.GroupResource == groupResource).AddRange(versions));

    /// <summary>Stops serving a CRD's group and resource.</summary>
    public void Unregister(string groupResource) =>
        ImmutableInterlocked.Update(ref _types, list => list.RemoveAll(t => t.GroupResource == groupResource));
}
