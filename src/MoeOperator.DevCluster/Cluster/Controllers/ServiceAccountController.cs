using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Controllers;

/// <summary>
/// Every active namespace has a ServiceAccount named default, as Kubernetes' serviceaccount controller keeps it
/// (created again when deleted): pods that name no service account run as it.
/// </summary>
internal sealed class ServiceAccountController(ClusterApi api) : ControlLoop(api, TimeSpan.FromSeconds(5), "namespaces", "serviceaccounts")
{
    public const string Default = "default";

    protected override void Pass()
    {
        foreach (var ns in Api.List("namespaces"))
        {
            var name = ClusterApi.Name(ns);
            if (ns["metadata"]?["deletionTimestamp"] is not null || Api.Get("serviceaccounts", name, Default) is not null)
            {
                continue;
            }

            ForObject(ns, "namespace", () => Api.Create("serviceaccounts", new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ServiceAccount",
                ["metadata"] = new JsonObject { ["name"] = Default, ["namespace"] = name },
            }));
        }
    }
}
