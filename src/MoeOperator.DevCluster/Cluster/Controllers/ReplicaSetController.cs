using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Controllers;

/// <summary>Keeps spec.replicas active pods for every ReplicaSet, deleting surplus pods that are least far along first.</summary>
internal sealed class ReplicaSetController(ClusterApi api) : ControlLoop(api, TimeSpan.FromSeconds(5), "replicasets.apps", "pods")
{
    private readonly ResourceCache _pods = api.Cache("pods");

    protected override void Pass()
    {
        var (owners, pods) = Workloads.OwnersAndPods(Api, "replicasets.apps", _pods);
        foreach (var set in owners)
        {
            if (set["metadata"]?["deletionTimestamp"] is not null)
            {
                continue;
            }

            var owned = Workloads.Owned(pods, set);
            var active = owned.Where(Workloads.IsActive).ToList();
            var wanted = (int?)set["spec"]?["replicas"] ?? 1;
            for (var i = active.Count; i < wanted; i++)
            {
                var created = Api.Create("pods", Workloads.PodFromTemplate(set, set["spec"]?["template"] as JsonObject, null, ClusterApi.Name(set) + "-"));
                active.Add(created);
                ClusterEvents.Record(Api, set, ClusterEvents.Normal, "SuccessfulCreate", $"Created pod: {ClusterApi.Name(created)}");
            }

            foreach (var surplus in active.OrderBy(p => (string?)p["spec"]?["nodeName"] is null ? 0 : 1).ThenBy(p => Workloads.Phase(p) == "Running" ? 1 : 0).ThenBy(p => Workloads.IsReady(p) ? 1 : 0).Take(Math.Max(0, active.Count - wanted)).ToList())
            {
                Api.DeleteExact("pods", surplus);
                active.Remove(surplus);
                ClusterEvents.Record(Api, set, ClusterEvents.Normal, "SuccessfulDelete", $"Deleted pod: {ClusterApi.Name(surplus)}");
            }

            var ready = active.Count(Workloads.IsReady);
            Workloads.WriteStatus(Api, "replicasets.apps", set, new JsonObject
            {
                ["replicas"] = active.Count,
                ["fullyLabeledReplicas"] = active.Count,
                ["readyReplicas"] = ready,
                ["availableReplicas"] = ready,
                ["observedGeneration"] = (long?)set["metadata"]?["generation"] ?? 1,
            });
        }
    }
}
