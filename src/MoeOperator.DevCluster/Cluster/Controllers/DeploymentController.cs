using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Controllers;

/// <summary>
/// Deployments through ReplicaSets: the ReplicaSet of the current template (named by its pod-template-hash) gets
/// every replica; older ReplicaSets are scaled to zero once the new one is fully ready (a surge-first rollout).
/// </summary>
internal sealed class DeploymentController(ClusterApi api) : ControlLoop(api, TimeSpan.FromSeconds(5), "deployments.apps", "replicasets.apps")
{
    protected override void Pass()
    {
        var sets = Api.List("replicasets.apps");
        foreach (var deployment in Api.List("deployments.apps"))
        {
            if (deployment["metadata"]?["deletionTimestamp"] is not null)
            {
                continue;
            }

            var replicas = (int?)deployment["spec"]?["replicas"] ?? 1;
            var hash = Workloads.Hash(deployment["spec"]?["template"]);
            var owned = Workloads.Owned(sets, deployment);
            var current = owned.FirstOrDefault(s => (string?)s["metadata"]?["labels"]?["pod-template-hash"] == hash);
            if (current is null)
            {
                current = Api.Create("replicasets.apps", NewSet(deployment, hash, replicas));
                ClusterEvents.Record(Api, deployment, ClusterEvents.Normal, "ScalingReplicaSet", $"Scaled up replica set {ClusterApi.Name(current)} from 0 to {replicas}");
            }

            if ((int?)current["spec"]?["replicas"] is var was && was != replicas)
            {
                current["spec"]!["replicas"] = replicas;
                current = Api.Update("replicasets.apps", current);
                ClusterEvents.Record(Api, deployment, ClusterEvents.Normal, "ScalingReplicaSet", $"Scaled {(replicas > (was ?? 1) ? "up" : "down")} replica set {ClusterApi.Name(current)} from {was ?? 1} to {replicas}");
            }

            var ready = (int?)current["status"]?["readyReplicas"] ?? 0;
            foreach (var old in owned.Where(s => ClusterApi.Name(s) != ClusterApi.Name(current) && (int?)s["spec"]?["replicas"] != 0))
            {
                if (ready >= replicas)
                {
                    var had = (int?)old["spec"]?["replicas"] ?? 1;
                    old["spec"]!["replicas"] = 0;
                    Api.Update("replicasets.apps", old);
                    ClusterEvents.Record(Api, deployment, ClusterEvents.Normal, "ScalingReplicaSet", $"Scaled down replica set {ClusterApi.Name(old)} from {had} to 0");
                }
            }

            var total = owned.Sum(s => (int?)s["status"]?["replicas"] ?? 0);
            var status = deployment["status"]?.DeepClone().AsObject() ?? [];
            status["observedGeneration"] = (long?)deployment["metadata"]?["generation"] ?? 1;
            status["replicas"] = total;
            status["updatedReplicas"] = (int?)current["status"]?["replicas"] ?? 0;
            status["readyReplicas"] = ready;
            status["availableReplicas"] = ready;
            status["unavailableReplicas"] = Math.Max(0, replicas - ready);
            var now = Api.Service.Now();
            PodConditions.Set(status, "Available", ready >= replicas ? "True" : "False", ready >= replicas ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                ready >= replicas ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", now, tracksUpdates: true);
            PodConditions.Set(status, "Progressing", "True", ready >= replicas ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                ready >= replicas ? $"ReplicaSet \"{ClusterApi.Name(current)}\" has successfully progressed." : $"ReplicaSet \"{ClusterApi.Name(current)}\" is progressing.", now, tracksUpdates: true);
            Workloads.WriteStatus(Api, "deployments.apps", deployment, status);
        }
    }

    private static JsonObject NewSet(JsonObject deployment, string hash, int replicas)
    {
        var template = deployment["spec"]?["template"]?.DeepClone().AsObject() ?? [];
        var labels = template["metadata"]?["labels"]?.DeepClone().AsObject() ?? [];
        labels["pod-template-hash"] = hash;
        template["metadata"] ??= new JsonObject();
        template["metadata"]!["labels"] = labels.DeepClone();
        var selector = deployment["spec"]?["selector"]?.DeepClone().AsObject() ?? [];
        selector["matchLabels"] ??= new JsonObject();
        selector["matchLabels"]!["pod-template-hash"] = hash;
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{deployment["metadata"]?["name"]}-{hash}",
                ["namespace"] = (string?)deployment["metadata"]?["namespace"],
                ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(Workloads.ControllerReference(deployment)),
            },
            ["spec"] = new JsonObject { ["replicas"] = replicas, ["selector"] = selector, ["template"] = template },
        };
    }
}
