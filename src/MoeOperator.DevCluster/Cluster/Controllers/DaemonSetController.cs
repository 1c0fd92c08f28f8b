using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Cluster.Scheduling;

namespace MoeOperator.DevCluster.Cluster.Controllers;

/// <summary>
/// DaemonSets: one pod per node that the pod template's node selector, required node affinity and tolerations
/// admit, pinned to its node by required node affinity on metadata.name (the scheduler binds it, as in
/// Kubernetes); pods on nodes that no longer qualify, or no longer exist, are deleted.
/// </summary>
internal sealed class DaemonSetController(ClusterApi api) : ControlLoop(api, TimeSpan.FromSeconds(5), "daemonsets.apps", "pods", "nodes")
{
    protected override void Pass()
    {
        var pods = Api.List("pods");
        var nodes = Api.List("nodes");
        foreach (var set in Api.List("daemonsets.apps"))
        {
            if (set["metadata"]?["deletionTimestamp"] is not null)
            {
                continue;
            }

            var template = set["spec"]?["template"] as JsonObject ?? [];
            var probe = new JsonObject { ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject() };
            AddDaemonTolerations(probe);
            var eligible = nodes.Where(n => SchedulingPlanner.Admits(probe, n)).Select(ClusterApi.Name).ToHashSet(StringComparer.Ordinal);
            var owned = Workloads.Owned(pods, set).Where(Workloads.IsActive).ToList();
            var byNode = owned.GroupBy(TargetNode).ToDictionary(g => g.Key ?? "", g => g.ToList(), StringComparer.Ordinal);
            foreach (var node in eligible.Where(n => !byNode.ContainsKey(n)))
            {
                var pod = Workloads.PodFromTemplate(set, template, null, ClusterApi.Name(set) + "-");
                AddDaemonTolerations(pod);
                pod["spec"]!["affinity"] = new JsonObject
                {
                    ["nodeAffinity"] = new JsonObject
                    {
                        ["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonObject
                        {
                            ["nodeSelectorTerms"] = new JsonArray(new JsonObject
                            {
                                ["matchFields"] = new JsonArray(new JsonObject { ["key"] = "metadata.name", ["operator"] = "In", ["values"] = new JsonArray(node) }),
                            }),
                        },
                    },
                };
                owned.Add(Api.Create("pods", pod));
            }

            foreach (var (node, extra) in byNode)
            {
                foreach (var pod in eligible.Contains(node) ? extra.Skip(1) : extra)
                {
                    Api.DeleteExact("pods", pod);
                    owned.Remove(pod);
                }
            }

            var ready = owned.Count(Workloads.IsReady);
            Workloads.WriteStatus(Api, "daemonsets.apps", set, new JsonObject
            {
                ["observedGeneration"] = (long?)set["metadata"]?["generation"] ?? 1,
                ["desiredNumberScheduled"] = eligible.Count,
                ["currentNumberScheduled"] = owned.Count(p => eligible.Contains(TargetNode(p) ?? "")),
                ["updatedNumberScheduled"] = owned.Count,
                ["numberReady"] = ready,
                ["numberAvailable"] = ready,
                ["numberUnavailable"] = Math.Max(0, eligible.Count - ready),
                ["numberMisscheduled"] = owned.Count(p => !eligible.Contains(TargetNode(p) ?? "")),
            });
        }
    }

    // The node a daemon pod is for: where it runs, or the node its affinity names.
    private static string? TargetNode(JsonObject pod) =>
        (string?)pod["spec"]?["nodeName"]
        ?? (string?)pod["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"]?[0]?["matchFields"]?[0]?["values"]?[0];

    // The tolerations the DaemonSet controller adds so daemons stay through node trouble.
    private static void AddDaemonTolerations(JsonObject pod)
    {
        var tolerations = pod["spec"]!["tolerations"] as JsonArray ?? [];
        foreach (var (key, effect) in new[]
        {
            ("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
            ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"),
            ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule"),
        })
        {
            if (!tolerations.Any(t => (string?)t?["key"] == key && (string?)t?["effect"] == effect))
            {
                tolerations.Add(new JsonObject { ["key"] = key, ["operator"] = "Exists", ["effect"] = effect });
            }
        }

        pod["spec"]!["tolerations"] = tolerations;
    }
}
