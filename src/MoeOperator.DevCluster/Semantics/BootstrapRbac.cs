using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>
/// The bootstrap RBAC objects every real cluster starts with that users bind to by name: the cluster-admin
/// ClusterRole (everything) and its ClusterRoleBinding to system:masters. `kubectl create clusterrolebinding x
/// --clusterrole=cluster-admin --user=bob` then grants bob what it grants on a real cluster.
/// </summary>
internal static class BootstrapRbac
{
    public const string ClusterAdmin = "cluster-admin";

    public static void Create(ResourceService service)
    {
        var labels = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" };
        var annotations = new JsonObject { ["rbac.authorization.kubernetes.io/autoupdate"] = "true" };
        service.Create(service.Type("rbac.authorization.k8s.io", "v1", "clusterroles"), null, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = ClusterAdmin, ["labels"] = labels.DeepClone(), ["annotations"] = annotations.DeepClone() },
            ["rules"] = new JsonArray(
                new JsonObject { ["apiGroups"] = new JsonArray("*"), ["resources"] = new JsonArray("*"), ["verbs"] = new JsonArray("*") },
                new JsonObject { ["nonResourceURLs"] = new JsonArray("*"), ["verbs"] = new JsonArray("*") }),
        }, RequestOptions.Default);
        service.Create(service.Type("rbac.authorization.k8s.io", "v1", "clusterrolebindings"), null, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = ClusterAdmin, ["labels"] = labels.DeepClone(), ["annotations"] = annotations.DeepClone() },
            ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = ClusterAdmin },
            ["subjects"] = new JsonArray(new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "Group", ["name"] = RequestUser.Masters }),
        }, RequestOptions.Default);
    }
}
