using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Controllers;

/// <summary>
/// Binds every pending PersistentVolumeClaim at once, as a dynamic provisioner with an immediate binding mode
/// would; the kubelet serves the claim as a directory of its own under the dev data directory.
/// </summary>
internal sealed class VolumeBinder(ClusterApi api) : ControlLoop(api, TimeSpan.FromSeconds(5), "persistentvolumeclaims")
{
    protected override void Pass()
    {
        foreach (var listed in Api.List("persistentvolumeclaims"))
        {
            var claim = listed;
            if ((string?)claim["status"]?["phase"] == "Bound")
            {
                continue;
            }

            if (claim["spec"]?["volumeName"] is null)
            {
                claim["spec"]!["volumeName"] = $"pvc-{claim["metadata"]?["uid"]}";
                claim = Api.Update("persistentvolumeclaims", claim);
            }

            claim["status"] = new JsonObject
            {
                ["phase"] = "Bound",
                ["accessModes"] = claim["spec"]?["accessModes"]?.DeepClone() ?? new JsonArray("ReadWriteOnce"),
                ["capacity"] = new JsonObject { ["storage"] = (string?)claim["spec"]?["resources"]?["requests"]?["storage"] ?? "1Gi" },
            };
            Api.UpdateStatus("persistentvolumeclaims", claim);
        }
    }
}
