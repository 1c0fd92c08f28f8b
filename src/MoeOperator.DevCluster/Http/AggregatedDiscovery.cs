using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Catalog;

namespace MoeOperator.DevCluster.Http;

/// <summary>
/// Aggregated discovery (apidiscovery.k8s.io/v2), which kubectl and client-go ask for first: /api and /apis answer,
/// when the Accept header names it, with every group, version and resource in one document, so a client learns the
/// whole server in two requests instead of one per group version. The same resources as the legacy documents.
/// </summary>
internal static class AggregatedDiscovery
{
    public const string ContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    /// <summary>Whether the Accept header lists the v2 aggregated list (clients name it before plain JSON).</summary>
    public static bool IsWanted(string accept) =>
        accept.Split(',').Select(range => range.Split(';').Select(p => p.Trim()).ToHashSet(StringComparer.Ordinal))
            .Any(parts => parts.Contains("application/json") && parts.Contains("g=apidiscovery.k8s.io") && parts.Contains("v=v2") && parts.Contains("as=APIGroupDiscoveryList"));

    /// <summary>The list for /api (the core group) or /apis (every named group).</summary>
    public static JsonObject List(ResourceCatalog catalog, bool core) => new()
    {
        ["kind"] = "APIGroupDiscoveryList",
        ["apiVersion"] = "apidiscovery.k8s.io/v2",
        ["metadata"] = new JsonObject(),
        ["items"] = new JsonArray([.. catalog.All.Where(t => (t.Group.Length == 0) == core).GroupBy(t => t.Group).Select(g => (JsonNode)Group(g.Key, g))]),
    };

    private static JsonObject Group(string name, IEnumerable<ResourceType> types)
    {
        var metadata = new JsonObject { ["creationTimestamp"] = null };
        if (name.Length > 0)
        {
            metadata["name"] = name;
        }

        // Preferred version first, as the real server orders them.
        var versions = types.GroupBy(t => t.Version).OrderByDescending(v => v.Key, StringComparer.Ordinal);
        return new JsonObject
        {
            ["metadata"] = metadata,
            ["versions"] = new JsonArray([.. versions.Select(v => (JsonNode)new JsonObject
            {
                ["version"] = v.Key,
                ["resources"] = new JsonArray([.. v.Select(t => (JsonNode)Resource(t))]),
                ["freshness"] = "Current",
            })]),
        };
    }

    private static JsonObject Resource(ResourceType type)
    {
        var resource = new JsonObject
        {
            ["resource"] = type.Plural,
            ["responseKind"] = Kind(type.Group, type.Version, type.Kind),
            ["scope"] = type.Namespaced ? "Namespaced" : "Cluster",
            ["singularResource"] = type.Singular,
            ["verbs"] = new JsonArray([.. (type.Verbs ?? DiscoveryDocuments.Verbs).Select(v => (JsonNode)v)]),
        };
        DiscoveryDocuments.AddNames(resource, type);

        var subresources = DiscoveryDocuments.Subresources(type).Select(s => (JsonNode)new JsonObject
        {
            ["subresource"] = s.Name,
            ["responseKind"] = Kind(s.Group ?? type.Group, s.Version ?? type.Version, s.Kind),
            ["verbs"] = new JsonArray([.. s.Verbs.Select(v => (JsonNode)v)]),
        }).ToList();
        if (subresources.Count > 0)
        {
            resource["subresources"] = new JsonArray([.. subresources]);
        }

        return resource;
    }

    private static JsonObject Kind(string group, string version, string kind) => new()
    {
        ["group"] = group,
        ["version"] = version,
        ["kind"] = kind,
    };
}
