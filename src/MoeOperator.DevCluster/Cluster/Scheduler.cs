using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Cluster.Scheduling;
using MoeOperator.Planning.Resources;

namespace MoeOperator.DevCluster.Cluster;

/// <summary>
/// The default scheduler: binds every pending pod that names no node (and no other scheduler, and has no
/// scheduling gates) to the node <see cref="SchedulingPlanner"/> picks, one pod at a time so each decision sees the
/// pods placed before it. A pod that fits nowhere gets PodScheduled=False with kube-scheduler's message; a gated pod
/// gets reason SchedulingGated.
/// </summary>
internal sealed class Scheduler(ClusterApi api) : ControlLoop(api, TimeSpan.FromSeconds(2), "pods", "nodes")
{
    public const string Name = "default-scheduler";

    protected override void Pass()
    {
        var nodes = Api.List("nodes");
        var pods = Api.List("pods");
        var bound = pods.Where(p => (string?)p["spec"]?["nodeName"] is { Length: > 0 }).ToList();
        var pending = pods
            .Where(p => (string?)p["spec"]?["nodeName"] is not { Length: > 0 }
                && p["metadata"]?["deletionTimestamp"] is null
                && ((string?)p["spec"]?["schedulerName"] ?? Name) == Name
                && PodResources.IsActive(p))
            .OrderBy(p => (string?)p["metadata"]?["creationTimestamp"], StringComparer.Ordinal)
            .ThenBy(p => (string?)p["metadata"]?["name"], StringComparer.Ordinal);
        foreach (var pod in pending)
        {
            ForObject(pod, "pod", () => Schedule(pod, nodes, bound));
        }
    }

    private void Schedule(JsonObject pod, List<JsonObject> nodes, List<JsonObject> bound)
    {
        if (pod["spec"]?["schedulingGates"] is JsonArray { Count: > 0 })
        {
            Report(pod, "False", "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates");
            return;
        }

        var decision = SchedulingPlanner.Decide(pod, nodes, bound);
        if (!decision.Fits)
        {
            Report(pod, "False", "Unschedulable", decision.Message);
            return;
        }

        pod["spec"]!["nodeName"] = decision.Node;
        var boundPod = Api.Update("pods", pod);
        bound.Add(boundPod);
        Report(boundPod, "True", null, null);
        ClusterEvents.Record(Api, boundPod, ClusterEvents.Normal, "Scheduled", $"Successfully assigned {boundPod["metadata"]?["namespace"]}/{boundPod["metadata"]?["name"]} to {decision.Node}");
    }

    private void Report(JsonObject pod, string status, string? reason, string? message)
    {
        var podStatus = pod["status"]?.DeepClone().AsObject() ?? [];
        if (PodConditions.Set(podStatus, "PodScheduled", status, reason, message, Api.Service.Now()))
        {
            pod["status"] = podStatus;
            var written = Api.UpdateStatus("pods", pod);
            if (reason == "Unschedulable")
            {
                // Once per new reason, not every pass: the real scheduler's retries back off as well.
                ClusterEvents.Record(Api, written, ClusterEvents.Warning, "FailedScheduling", message ?? "");
            }
        }
    }
}
