using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Http;

/// <summary>
/// POST pods/{name}/binding, as the API server serves it to schedulers: assigns an unbound pod to the node the
/// Binding names and marks it PodScheduled. This is how an external (gang) scheduler places pods on the dev cluster.
/// </summary>
internal static class PodBinding
{
    public static JsonObject Bind(ResourceService service, ResourceType pods, string ns, string name, JsonObject binding, RequestOptions options)
    {
        var node = (string?)binding["target"]?["name"];
        if (string.IsNullOrEmpty(node) || ((string?)binding["target"]?["kind"] ?? "Node") != "Node")
        {
            throw new ApiException(400, "BadRequest", "a Binding needs target.kind Node and target.name");
        }

        service.Bind(pods, ns, name, (string?)binding["metadata"]?["uid"], node, binding["metadata"]?["annotations"] as JsonObject, options);
        return new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201 };
    }
}
