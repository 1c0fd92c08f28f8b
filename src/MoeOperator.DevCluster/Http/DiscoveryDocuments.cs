using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Catalog;

namespace MoeOperator.DevCluster.Http;

/// <summary>The legacy discovery documents (/api, /apis, per group version) kubectl and helm read.</summary>
internal static class DiscoveryDocuments
{
    private static readonly string[] _verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "35",
        ["gitVersion"] = "v1.35.0-moe.dev",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.25",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject Groups(ResourceCatalog catalog) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray([.. catalog.All.Where(t => t.Group.Length > 0).GroupBy(t => t.Group).Select(g => (JsonNode)Group(g.Key, g))]),
    };

    public static JsonObject? Group(ResourceCatalog catalog, string name)
    {
        var types = catalog.All.Where(t => t.Group == name).ToList();
        return types.Count == 0 ? null : Group(name, types);
    }

    public static JsonObject? Resources(ResourceCatalog catalog, string group, string version)
    {
        var types = catalog.All.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var type in types)
        {
            var resource = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray([.. (type.Verbs ?? _verbs).Select(v => (JsonNode)v)]),
            };
            AddNames(resource, type);
            resources.Add(resource);
            foreach (var sub in Subresources(type))
            {
                var entry = Subresource(type, sub.Name, sub.Kind, sub.Verbs);
                if (sub.Group is { } subGroup)
                {
                    entry["group"] = subGroup;
                    entry["version"] = sub.Version;
                }

                resources.Add(entry);
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    /// <summary>Adds a resource's short names and categories, when it has any, as both discovery formats carry them.</summary>
    public static void AddNames(JsonObject resource, ResourceType type)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(type);
        if (type.ShortNames.Count > 0)
        {
            resource["shortNames"] = new JsonArray([.. type.ShortNames.Select(s => (JsonNode)s)]);
        }

        if (type.Categories.Count > 0)
        {
            resource["categories"] = new JsonArray([.. type.Categories.Select(c => (JsonNode)c)]);
        }
    }

    /// <summary>The verbs every served resource allows.</summary>
    public static IReadOnlyList<string> Verbs => _verbs;

    /// <summary>A subresource the server serves: its name, kind, verbs, and group/version when not the parent's.</summary>
    public sealed record ServedSubresource(string Name, string Kind, string[] Verbs, string? Group = null, string? Version = null);

    /// <summary>The subresources of a type, the same in legacy and aggregated discovery.</summary>
    public static IEnumerable<ServedSubresource> Subresources(ResourceType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type.HasStatus)
        {
            yield return new("status", type.Kind, ["get", "patch", "update"]);
        }

        if (type.HasScale)
        {
            yield return new("scale", "Scale", ["get", "patch", "update"], "autoscaling", "v1");
        }

        if (type.GroupResource == "serviceaccounts")
        {
            yield return new("token", "TokenRequest", ["create"], "authentication.k8s.io", "v1");
        }

        if (type.GroupResource == "pods")
        {
            yield return new("log", "Pod", ["get"]);
            yield return new("binding", "Binding", ["create"]);
            yield return new("exec", "PodExecOptions", ["create", "get"]);
            yield return new("attach", "PodAttachOptions", ["create", "get"]);
            yield return new("portforward", "PodPortForwardOptions", ["create", "get"]);
            yield return new("proxy", "PodProxyOptions", ["create", "delete", "get", "patch", "update"]);
        }
    }

    private static JsonObject Subresource(ResourceType type, string name, string kind, string[] verbs) => new()
    {
        ["name"] = $"{type.Plural}/{name}",
        ["singularName"] = "",
        ["namespaced"] = type.Namespaced,
        ["kind"] = kind,
        ["verbs"] = new JsonArray([.. verbs.Select(v => (JsonNode)v)]),
    };

    private static JsonObject Group(string name, IEnumerable<ResourceType> types)
    {
        var versions = types.Select(t => t.Version).Distinct().Order(StringComparer.Ordinal).ToList();
        var preferred = versions[^1];
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = name,
            ["versions"] = new JsonArray([.. versions.Select(v => (JsonNode)new JsonObject { ["groupVersion"] = $"{name}/{v}", ["version"] = v })]),
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{name}/{preferred}", ["version"] = preferred },
        };
    }
}
