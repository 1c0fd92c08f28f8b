using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>Where each kind keeps the pod it runs: a pod is one, a workload holds a pod template at a fixed path.</summary>
internal static class PodTemplates
{
    /// <summary>The path from the object to its pod (metadata and spec); empty for a pod, null for kinds without one.</summary>
    public static string[]? PathIn(string groupResource) => groupResource switch
    {
        "pods" => [],
        "replicasets.apps" or "deployments.apps" or "statefulsets.apps" or "daemonsets.apps" or "jobs.batch" or "replicationcontrollers" => ["spec", "template"],
        "podtemplates" => ["template"],
        "cronjobs.batch" => ["spec", "jobTemplate", "spec", "template"],
        _ => null,
    };

    /// <summary>The object's pod or pod template, if its kind has one and the object holds it.</summary>
    public static JsonObject? Of(string groupResource, JsonObject obj)
    {
        if (PathIn(groupResource) is not { } path)
        {
            return null;
        }

        JsonNode? node = obj;
        foreach (var part in path)
        {
            node = node?[part];
        }

        return node as JsonObject;
    }
}
