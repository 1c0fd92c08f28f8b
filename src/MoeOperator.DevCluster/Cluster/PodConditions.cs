using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster;

/// <summary>Pure edits of a pod's status that several components make.</summary>
internal static class PodConditions
{
    /// <summary>
    /// Sets condition <paramref name="type"/>; the transition time changes only when the status does. Returns whether
    /// anything changed, so callers write only then. A Deployment's condition (<paramref name="tracksUpdates"/>) has
    /// lastUpdateTime, set whenever the condition is written, where a pod's or a Job's has lastProbeTime.
    /// </summary>
    public static bool Set(JsonObject status, string type, string value, string? reason, string? message, string now, bool tracksUpdates = false)
    {
        var conditions = status["conditions"] as JsonArray ?? [];
        status["conditions"] = conditions;
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);
        if (existing is not null && (string?)existing["status"] == value && (string?)existing["reason"] == reason && (string?)existing["message"] == message)
        {
            return false;
        }

        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = value,
            [tracksUpdates ? "lastUpdateTime" : "lastProbeTime"] = tracksUpdates ? now : null,
            ["lastTransitionTime"] = existing is not null && (string?)existing["status"] == value ? existing["lastTransitionTime"]?.DeepClone() : now,
        };
        if (reason is not null)
        {
            condition["reason"] = reason;
        }

        if (message is not null)
        {
            condition["message"] = message;
        }

        if (existing is not null)
        {
            conditions[conditions.IndexOf(existing)] = condition;
        }
        else
        {
            conditions.Add(condition);
        }

        return true;
    }

    /// <summary>The status of a pod whose node became unreachable (what the node lifecycle controller and pod GC leave).</summary>
    public static JsonObject NodeLost(JsonObject pod, string node, string now)
    {
        var status = pod["status"]?.DeepClone().AsObject() ?? [];
        status["phase"] = "Failed";
        status["reason"] = "NodeLost";
        status["message"] = $"Node {node} which was running pod {pod["metadata"]?["name"]} is unresponsive";
        Set(status, "Ready", "False", "PodFailed", null, now);
        Set(status, "ContainersReady", "False", "PodFailed", null, now);
        Set(status, "DisruptionTarget", "True", "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint", now);
        foreach (var container in status["containerStatuses"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            if (container["state"]?["terminated"] is null)
            {
                container["state"] = new JsonObject
                {
                    ["terminated"] = new JsonObject { ["exitCode"] = 137, ["reason"] = "ContainerStatusUnknown", ["message"] = "The container could not be located when the pod was terminated", ["finishedAt"] = now },
                };
                container["ready"] = false;
                container["started"] = false;
            }
        }

        return status;
    }
}
