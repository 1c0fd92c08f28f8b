using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Controllers;

/// <summary>
/// StatefulSets: pods &lt;name&gt;-0 .. &lt;name&gt;-(n-1) with stable hostnames under the governing Service, claims
/// from volumeClaimTemplates (&lt;template&gt;-&lt;name&gt;-&lt;ordinal&gt;, kept when the pod goes), created in order
/// (OrderedReady: the next only once every earlier one is Running and Ready; Parallel: all at once), removed from
/// the highest ordinal down; a failed pod is deleted and re-created under the same name; a pod of an older
/// template is replaced, highest ordinal first, one at a time.
/// </summary>
internal sealed class StatefulSetController(ClusterApi api) : ControlLoop(api, TimeSpan.FromSeconds(5), "statefulsets.apps", "pods")
{
    private readonly ResourceCache _pods = api.Cache("pods");

    public const string PodNameLabel = "statefulset.kubernetes.io/pod-name";
    public const string RevisionLabel = "controller-revision-hash";

    protected override void Pass()
    {
        var (owners, pods) = Workloads.OwnersAndPods(Api, "statefulsets.apps", _pods);
        foreach (var set in owners)
        {
            if (set["metadata"]?["deletionTimestamp"] is null)
            {
                Sync(set, Workloads.Owned(pods, set));
            }
        }
    }

    private void Sync(JsonObject set, List<JsonObject> owned)
    {
        var name = ClusterApi.Name(set);
        var ns = ClusterApi.Namespace(set);
        var replicas = (int?)set["spec"]?["replicas"] ?? 1;
        var ordered = ((string?)set["spec"]?["podManagementPolicy"] ?? "OrderedReady") == "OrderedReady";
        var revision = $"{name}-{Workloads.Hash(set["spec"]?["template"])}";
        var byOrdinal = owned.ToDictionary(p => Ordinal(name, ClusterApi.Name(p)), p => p);
        var blocked = false;
        for (var ordinal = 0; ordinal < replicas; ordinal++)
        {
            if (!byOrdinal.TryGetValue(ordinal, out var pod))
            {
                if (blocked)
                {
                    break;
                }

                EnsureClaims(set, ordinal);
                byOrdinal[ordinal] = Api.Create("pods", NewPod(set, ordinal, revision));
                ClusterEvents.Record(Api, set, ClusterEvents.Normal, "SuccessfulCreate", $"create Pod {ClusterApi.Name(byOrdinal[ordinal]!)} in StatefulSet {ClusterApi.Name(set)} successful");
                blocked = ordered;
                continue;
            }

            if (Workloads.Phase(pod) == "Failed" && pod["metadata"]?["deletionTimestamp"] is null)
            {
                Api.DeleteExact("pods", pod);
                blocked = ordered;
                continue;
            }

            if (ordered && !(Workloads.Phase(pod) == "Running" && Workloads.IsReady(pod)))
            {
                blocked = true;
            }
        }

        // Scale down: the highest ordinal first, one at a time when ordered.
        foreach (var (ordinal, pod) in byOrdinal.Where(p => p.Key >= replicas).OrderByDescending(p => p.Key).Take(ordered ? 1 : int.MaxValue))
        {
            if (pod["metadata"]?["deletionTimestamp"] is null)
            {
                Api.DeleteExact("pods", pod);
            }

            byOrdinal.Remove(ordinal);
        }

        var current = byOrdinal.Where(p => p.Key < replicas).Select(p => p.Value).ToList();
        var stale = current.Where(p => (string?)p["metadata"]?["labels"]?[RevisionLabel] != revision && p["metadata"]?["deletionTimestamp"] is null).ToList();
        if (stale.Count > 0 && current.Count == replicas && current.All(p => Workloads.IsReady(p) && p["metadata"]?["deletionTimestamp"] is null))
        {
            var highest = stale.OrderByDescending(p => Ordinal(name, ClusterApi.Name(p))).First();
            Api.DeleteExact("pods", highest);
        }

        var active = current.Where(Workloads.IsActive).ToList();
        var ready = active.Count(Workloads.IsReady);
        var updated = active.Count(p => (string?)p["metadata"]?["labels"]?[RevisionLabel] == revision);
        Workloads.WriteStatus(Api, "statefulsets.apps", set, new JsonObject
        {
            ["observedGeneration"] = (long?)set["metadata"]?["generation"] ?? 1,
            ["replicas"] = active.Count,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
            ["currentReplicas"] = updated,
            ["updatedReplicas"] = updated,
            ["currentRevision"] = revision,
            ["updateRevision"] = revision,
            ["collisionCount"] = 0,
        });
    }

    private static int Ordinal(string set, string pod) =>
        pod.StartsWith(set + "-", StringComparison.Ordinal) && int.TryParse(pod[(set.Length + 1)..], CultureInfo.InvariantCulture, out var ordinal) ? ordinal : -1;

    private static JsonObject NewPod(JsonObject set, int ordinal, string revision)
    {
        var name = $"{ClusterApi.Name(set)}-{ordinal.ToString(CultureInfo.InvariantCulture)}";
        var pod = Workloads.PodFromTemplate(set, set["spec"]?["template"] as JsonObject, name, null);
        var labels = pod["metadata"]!["labels"] as JsonObject ?? [];
        labels[PodNameLabel] = name;
        labels["apps.kubernetes.io/pod-index"] = ordinal.ToString(CultureInfo.InvariantCulture);
        labels[RevisionLabel] = revision;
        pod["metadata"]!["labels"] = labels;
        pod["spec"]!["hostname"] = name;
        if ((string?)set["spec"]?["serviceName"] is { Length: > 0 } service)
        {
            pod["spec"]!["subdomain"] = service;
        }

        var volumes = pod["spec"]!["volumes"] as JsonArray ?? [];
        foreach (var template in set["spec"]?["volumeClaimTemplates"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var volume = (string?)template["metadata"]?["name"] ?? "";
            volumes.Add(new JsonObject
            {
                ["name"] = volume,
                ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = ClaimName(volume, set, ordinal) },
            });
        }

        pod["spec"]!["volumes"] = volumes;
        return pod;
    }

    private static string ClaimName(string template, JsonObject set, int ordinal) =>
        $"{template}-{ClusterApi.Name(set)}-{ordinal.ToString(CultureInfo.InvariantCulture)}";

    // Claims are created before their pod and not owned by it, so data survives the pod (retention policy Retain).
    private void EnsureClaims(JsonObject set, int ordinal)
    {
        foreach (var template in set["spec"]?["volumeClaimTemplates"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var claim = ClaimName((string?)template["metadata"]?["name"] ?? "", set, ordinal);
            if (Api.Get("persistentvolumeclaims", ClusterApi.Namespace(set), claim) is not null)
            {
                continue;
            }

            var labels = set["spec"]?["selector"]?["matchLabels"]?.DeepClone() ?? new JsonObject();
            Api.Create("persistentvolumeclaims", new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "PersistentVolumeClaim",
                ["metadata"] = new JsonObject { ["name"] = claim, ["namespace"] = ClusterApi.Namespace(set), ["labels"] = labels },
                ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
            });
        }
    }
}
