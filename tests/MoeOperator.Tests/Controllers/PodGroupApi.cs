using System.Text.Json.Nodes;
using MoeOperator.Runtime.Client;

namespace MoeOperator.Tests.Controllers;

/// <summary>The scheduler-plugins PodGroup API, installed into a dev cluster the way a gang scheduler's chart would.</summary>
internal static class PodGroupApi
{
    // The CRD as scheduler-plugins installs it, reduced to what the operator writes.
    private const string Crd = """
        {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
         "metadata": {"name": "podgroups.scheduling.x-k8s.io"},
         "spec": {"group": "scheduling.x-k8s.io", "scope": "Namespaced",
           "names": {"plural": "podgroups", "singular": "podgroup", "kind": "PodGroup", "shortNames": ["pg"]},
           "versions": [{"name": "v1alpha1", "served": true, "storage": true, "subresources": {"status": {}},
             "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object", "properties": {
               "minMember": {"type": "integer", "format": "int32"}, "scheduleTimeoutSeconds": {"type": "integer", "format": "int32"}}},
               "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]}}
        """;

    public static async Task InstallAsync(KubernetesJsonClient api)
    {
        var (status, body) = await api.SendAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", JsonNode.Parse(Crd));
        ((int)status).ShouldBe(201, body?.ToJsonString());
    }

    /// <summary>Binds a pod to a node as a scheduler does.</summary>
    public static async Task BindAsync(KubernetesJsonClient api, string ns, string pod, string node)
    {
        var binding = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Binding", ["metadata"] = new JsonObject { ["name"] = pod }, ["target"] = new JsonObject { ["kind"] = "Node", ["name"] = node } };
        var (bound, body) = await api.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods/{pod}/binding", binding);
        ((int)bound).ShouldBe(201, body?.ToJsonString());
    }
}
