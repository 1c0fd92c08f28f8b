using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.Cluster;
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

        // As the real server's GuaranteedUpdate: a write that meets a newer version (the kubelet or a controller
        // wrote the pod meanwhile) is retried on the latest, so a Binding never fails for someone else's write.
        Retrying(() =>
        {
            var pod = service.Get(pods, ns, name);
            if ((string?)pod["spec"]?["nodeName"] is { Length: > 0 } assigned)
            {
                throw new ApiException(409, "Conflict", $"Operation cannot be fulfilled on pods/binding \"{name}\": pod {name} is already assigned to node \"{assigned}\"");
            }

            pod["spec"]!["nodeName"] = node;
            service.Update(pods, ns, name, pod, statusSubresource: false, options);
        });
        Retrying(() =>
        {
            var bound = service.Get(pods, ns, name);
            var status = bound["status"]?.DeepClone().AsObject() ?? [];
            if (PodConditions.Set(status, "PodScheduled", "True", null, null, service.Now()))
            {
                bound["status"] = status;
                service.Update(pods, ns, name, bound, statusSubresource: true, options);
            }
        });

        return new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201 };
    }

    private static void Retrying(Action write)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                write();
                return;
            }
            catch (ApiException e) when (e.Code == 409 && attempt < 10 && !e.Message.Contains("already assigned", StringComparison.Ordinal))
            {
                // A newer version was written meanwhile: read it and write again.
            }
        }
    }
}
