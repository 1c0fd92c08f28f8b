using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Cluster.Scheduling;

namespace MoeOperator.DevCluster.Cluster.Controllers;

/// <summary>
/// DaemonSets: one pod per node that the pod template's node selector, required node affinity and tolerations
/// admit, pinned to its node by required node affinity on metadata.name (the scheduler binds it, as in
/// Kubernetes); pods on nodes that no longer qualify, or no longer exist, are deleted. Each pod carries the
/// template's <c>controller-revision-hash</c>; after a template change the RollingUpdate strategy (the default)
/// replaces outdated pods, not-ready ones first, while at most <c>maxUnavailable</c> (default 1) nodes lack a ready
/// daemon; OnDelete leaves them until they are deleted.
/// </summary>
internal sealed class DaemonSetController(ClusterApi api) : ControlLoop(api, TimeSpan.FromSeconds(5), "daemonsets.apps", "pods", "nodes")
{
    private readonly ResourceCache _pods = api.Cache("pods");

    protected override void Pass()
    {
        var (owners, pods) = Workloads.OwnersAndPods(Api, "daemonsets.apps", _pods);
        var nodes = owners.Count == 0 ? [] : Api.List("nodes");
        foreach (var set in owners)
        {
            if (set["metadata"]?["deletionTimestamp"] is not null)
            {
                continue;
            }

            var template = set["spec"]?["template"] as JsonObject ?? [];
            var revision = TemplateRevision(template);
            var probe = new JsonObject { ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject() };
            AddDaemonTolerations(probe);
            var eligible = nodes.Where(n => SchedulingPlanner.Admits(probe, n)).Select(ClusterApi.Name).ToHashSet(StringComparer.Ordinal);
            // A daemon pod that failed (its node lost, say) is deleted, so the node gets a fresh one, as the real
            // controller does ("will try to kill it").
            foreach (var failed in Workloads.Owned(pods, set).Where(p => (string?)p["status"]?["phase"] == "Failed" && p["metadata"]?["deletionTimestamp"] is null))
            {
                Api.DeleteExact("pods", failed);
                ClusterEvents.Record(Api, set, ClusterEvents.Warning, "FailedDaemonPod", $"Found failed daemon pod {ClusterApi.Namespace(failed)}/{ClusterApi.Name(failed)} on node {(string?)failed["spec"]?["nodeName"]}, will try to kill it");
            }

            var owned = Workloads.Owned(pods, set).Where(Workloads.IsActive).ToList();
            var byNode = owned.GroupBy(TargetNode).ToDictionary(g => g.Key ?? "", g => g.ToList(), StringComparer.Ordinal);
            foreach (var node in eligible.Where(n => !byNode.ContainsKey(n)))
            {
                var pod = Workloads.PodFromTemplate(set, template, null, ClusterApi.Name(set) + "-");
                var labels = pod["metadata"]!["labels"] as JsonObject ?? [];
                labels[RevisionLabel] = revision;
                pod["metadata"]!["labels"] = labels;
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
                var created = Api.Create("pods", pod);
                owned.Add(created);
                ClusterEvents.Record(Api, set, ClusterEvents.Normal, "SuccessfulCreate", $"Created pod: {ClusterApi.Name(created)}");
            }

            foreach (var (node, extra) in byNode)
            {
                foreach (var pod in eligible.Contains(node) ? extra.Skip(1) : extra)
                {
                    Api.DeleteExact("pods", pod);
                    owned.Remove(pod);
                }
            }

            RollOutdated(set, owned, eligible, revision);
            var ready = owned.Count(Workloads.IsReady);
            Workloads.WriteStatus(Api, "daemonsets.apps", set, new JsonObject
            {
                ["observedGeneration"] = (long?)set["metadata"]?["generation"] ?? 1,
                ["desiredNumberScheduled"] = eligible.Count,
                ["currentNumberScheduled"] = owned.Count(p => eligible.Contains(TargetNode(p) ?? "")),
                ["updatedNumberScheduled"] = owned.Count(p => Revision(p) == revision),
                ["numberReady"] = ready,
                ["numberAvailable"] = ready,
                ["numberUnavailable"] = Math.Max(0, eligible.Count - ready),
                ["numberMisscheduled"] = owned.Count(p => !eligible.Contains(TargetNode(p) ?? "")),
            });
        }
    }

    private const string RevisionLabel = "controller-revision-hash";

    // Replaces pods of an older template: not-ready ones at once (they serve nothing), ready ones while fewer than
    // maxUnavailable eligible nodes lack a ready daemon. A deleted pod's node gets a pod of the new template on the
    // next pass.
    private void RollOutdated(JsonObject set, List<JsonObject> owned, HashSet<string> eligible, string revision)
    {
        if ((string?)set["spec"]?["updateStrategy"]?["type"] == "OnDelete")
        {
            return;
        }

        var outdated = owned.Where(p => Revision(p) != revision && eligible.Contains(TargetNode(p) ?? "")).ToList();
        foreach (var pod in outdated.Where(p => !Workloads.IsReady(p)))
        {
            Api.DeleteExact("pods", pod);
            owned.Remove(pod);
        }

        var unavailable = eligible.Count(node => !owned.Any(p => TargetNode(p) == node && Workloads.IsReady(p)));
        foreach (var pod in outdated.Where(Workloads.IsReady).Take(Math.Max(0, MaxUnavailable(set, eligible.Count) - unavailable)))
        {
            Api.DeleteExact("pods", pod);
            owned.Remove(pod);
        }
    }

    // spec.updateStrategy.rollingUpdate.maxUnavailable: a count, or a percentage of the eligible nodes rounded up; 1 by default.
    private static int MaxUnavailable(JsonObject set, int eligible)
    {
        var value = set["spec"]?["updateStrategy"]?["rollingUpdate"]?["maxUnavailable"];
        if (value is JsonValue text && text.TryGetValue<string>(out var percent) && percent.EndsWith('%')
            && int.TryParse(percent[..^1], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var share))
        {
            return Math.Max(1, (int)Math.Ceiling(eligible * share / 100.0));
        }

        return value is JsonValue number && number.TryGetValue<int>(out var count) ? count : 1;
    }

    // The template's revision, what a real DaemonSet keeps in a ControllerRevision.
    private static string TemplateRevision(JsonObject template) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(template.ToJsonString())))[..10];

    // The revision a daemon pod was made from.
    private static string? Revision(JsonObject pod) => (string?)pod["metadata"]?["labels"]?[RevisionLabel];

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
