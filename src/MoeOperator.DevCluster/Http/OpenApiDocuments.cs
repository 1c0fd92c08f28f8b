using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using MoeOperator.DevCluster.Catalog;

namespace MoeOperator.DevCluster.Http;

/// <summary>
/// OpenAPI v3 documents, one per group version. Custom resources carry their full CRD schema (what kubectl
/// explain reads). Every resource gets a PATCH operation that declares the fieldValidation parameter: that is how
/// kubectl and helm learn the server validates fields itself, so they need no client-side schemas.
/// </summary>
internal static class OpenApiDocuments
{
    public static JsonObject Index(ResourceCatalog catalog)
    {
        var paths = new JsonObject();
        foreach (var groupVersion in catalog.All.Select(t => (t.Group, t.Version)).Distinct())
        {
            var path = PathOf(groupVersion.Group, groupVersion.Version);
            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(GroupVersion(catalog, groupVersion.Group, groupVersion.Version)!.ToJsonString())))[..16];
            paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash={hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    public static JsonObject? GroupVersion(ResourceCatalog catalog, string group, string version)
    {
        var types = catalog.All.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var schemas = new JsonObject();
        var paths = new JsonObject();
        foreach (var type in types)
        {
            var gvk = new JsonObject { ["group"] = type.Group, ["version"] = type.Version, ["kind"] = type.Kind };
            var schema = type.Schema is { } crdSchema
                ? JsonNode.Parse(KubernetesJson.Serialize(crdSchema))!.AsObject()
                : new JsonObject { ["type"] = "object", ["description"] = $"{type.Kind} ({type.ApiVersion})" };
            schema["x-kubernetes-group-version-kind"] = new JsonArray(gvk.DeepClone());
            schemas[SchemaName(type)] = schema;

            var prefix = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
            var itemPath = type.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{type.Plural}/{{name}}" : $"{prefix}/{type.Plural}/{{name}}";
            paths[itemPath] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["operationId"] = $"patch{type.Kind}",
                    ["x-kubernetes-group-version-kind"] = gvk,
                    ["parameters"] = new JsonArray(
                        Parameter("dryRun"), Parameter("fieldManager"), Parameter("fieldValidation"), Parameter("force")),
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
                },
            };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.35.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    public static string PathOf(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    // The real server names CRD schemas by the reversed group, as Go package paths do: moe.dev -> dev.moe.
    private static string SchemaName(ResourceType type) => type.Group.Length == 0
        ? $"io.k8s.api.core.{type.Version}.{type.Kind}"
        : $"{string.Join('.', type.Group.Split('.').Reverse())}.{type.Version}.{type.Kind}";

    private static JsonObject Parameter(string name) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["schema"] = new JsonObject { ["type"] = name == "force" ? "boolean" : "string", ["uniqueItems"] = true },
    };
}
