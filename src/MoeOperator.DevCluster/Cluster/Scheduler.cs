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

    private readonly ResourceCache _nodes = api.Cache("nodes");
    private readonly ResourceCache _pods = api.Cache("pods");

    // Kept across passes from the pods that changed: a pass costs the changes and the pods it binds, not every pod.
    private readonly PlacedPods _placed = new([], []);
    private readonly HashSet<(string Namespace, string Name)> _pending = [];

    protected override void Pass()
    {
        if (_nodes.Refresh().Count > 0)
        {
            _placed.SetNodes(_nodes.Items);
        }

        foreach (var key in _pods.Refresh())
        {
            var pod = _pods.Find(key.Namespace, key.Name);
            if (pod is null)
            {
                _placed.Remove(key);
                _pending.Remove(key);
                continue;
            }

            _placed.Put(pod);
            if (IsPending(pod))
            {
                _pending.Add(key);
            }
            else
            {
                _pending.Remove(key);
            }
        }

        var pending = _pending
            .Select(k => _pods.Find(k.Namespace, k.Name))
            .OfType<JsonObject>()
            .OrderBy(p => (string?)p["metadata"]?["creationTimestamp"], StringComparer.Ordinal)
            .ThenBy(p => (string?)p["metadata"]?["name"], StringComparer.Ordinal)
            .ToList();
        foreach (var cached in pending)
        {
            // The cache's copy is shared between passes; binding writes a copy of its own.
            var pod = cached.DeepClone().AsObject();
            ForObject(pod, "pod", () => Schedule(pod, _placed));
        }
    }

    private static bool IsPending(JsonObject pod) =>
        (string?)pod["spec"]?["nodeName"] is not { Length: > 0 }
        && pod["metadata"]?["deletionTimestamp"] is null
        && ((string?)pod["spec"]?["schedulerName"] ?? Name) == Name
        && PodResources.IsActive(pod);

    private void Schedule(JsonObject pod, PlacedPods placed)
    {
        if (pod["spec"]?["schedulingGates"] is JsonArray { Count: > 0 })
        {
            Report(pod, "False", "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates");
            return;
        }

        var decision = SchedulingPlanner.Decide(pod, placed);
        if (!decision.Fits)
        {
            Report(pod, "False", "Unschedulable", decision.Message);
            return;
        }

        var boundPod = Api.Bind(pod, decision.Node!);
        placed.Put(boundPod);
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
