using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>
/// The bootstrap RBAC objects every real cluster starts with that users bind to by name: the cluster-admin
/// ClusterRole (everything) and its ClusterRoleBinding to system:masters, and the user-facing admin, edit and view
/// roles, aggregated as there (admin over edit over view, each also over every ClusterRole labelled
/// <c>rbac.authorization.k8s.io/aggregate-to-&lt;role&gt;: "true"</c>, which is how an operator's chart extends them to
/// its own kinds). `kubectl create clusterrolebinding x --clusterrole=cluster-admin --user=bob` then grants bob
/// what it grants on a real cluster. The built-in parts of admin, edit and view are the core of the real ones.
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
        foreach (var role in UserFacingRoles())
        {
            role["metadata"]!["labels"]!.AsObject()["kubernetes.io/bootstrapping"] = "rbac-defaults";
            role["metadata"]!["annotations"] = annotations.DeepClone();
            service.Create(service.Type("rbac.authorization.k8s.io", "v1", "clusterroles"), null, role, RequestOptions.Default);
        }

        service.Create(service.Type("rbac.authorization.k8s.io", "v1", "clusterrolebindings"), null, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = ClusterAdmin, ["labels"] = labels.DeepClone(), ["annotations"] = annotations.DeepClone() },
            ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = ClusterAdmin },
            ["subjects"] = new JsonArray(new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "Group", ["name"] = RequestUser.Masters }),
        }, RequestOptions.Default);
    }

    private const string AggregateTo = "rbac.authorization.k8s.io/aggregate-to-";
    private static readonly string[] _read = ["get", "list", "watch"];
    private static readonly string[] _write = ["create", "delete", "deletecollection", "patch", "update"];

    private static IEnumerable<JsonObject> UserFacingRoles()
    {
        // admin, edit and view hold only what the ClusterRoles labelled for them hold; edit's label puts it into
        // admin and view's into edit.
        yield return Aggregated("admin", null);
        yield return Aggregated("edit", "admin");
        yield return Aggregated("view", "edit");
        yield return Part("system:aggregate-to-view", "view",
            Rule("", _read, "configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods", "pods/log", "pods/status", "replicationcontrollers", "services", "services/status", "serviceaccounts", "events", "limitranges", "resourcequotas", "namespaces", "namespaces/status"),
            Rule("apps", _read, "daemonsets", "deployments", "deployments/scale", "replicasets", "statefulsets"),
            Rule("batch", _read, "cronjobs", "jobs"),
            Rule("events.k8s.io", _read, "events"),
            Rule("policy", _read, "poddisruptionbudgets"));
        yield return Part("system:aggregate-to-edit", "edit",
            Rule("", _write, "configmaps", "endpoints", "persistentvolumeclaims", "pods", "replicationcontrollers", "services", "secrets", "serviceaccounts"),
            Rule("", _read, "secrets", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "services/proxy"),
            Rule("", ["create"], "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "pods/eviction", "serviceaccounts/token"),
            Rule("apps", _write, "daemonsets", "deployments", "deployments/scale", "replicasets", "statefulsets"),
            Rule("batch", _write, "cronjobs", "jobs"),
            Rule("policy", _write, "poddisruptionbudgets"));
        yield return Part("system:aggregate-to-admin", "admin",
            Rule("rbac.authorization.k8s.io", [.. _read, .. _write], "roles", "rolebindings"),
            Rule("authorization.k8s.io", ["create"], "localsubjectaccessreviews"));
    }

    private static JsonObject Aggregated(string name, string? into)
    {
        var labels = new JsonObject();
        if (into is not null)
        {
            labels[AggregateTo + into] = "true";
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
            ["aggregationRule"] = new JsonObject
            {
                ["clusterRoleSelectors"] = new JsonArray(new JsonObject { ["matchLabels"] = new JsonObject { [AggregateTo + name] = "true" } }),
            },
            ["rules"] = new JsonArray(),
        };
    }

    private static JsonObject Part(string name, string into, params JsonObject[] rules) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { [AggregateTo + into] = "true" } },
        ["rules"] = new JsonArray([.. rules]),
    };

    private static JsonObject Rule(string group, string[] verbs, params string[] resources) => new()
    {
        ["apiGroups"] = new JsonArray(group),
        ["resources"] = new JsonArray([.. resources.Select(r => (JsonNode)r)]),
        ["verbs"] = new JsonArray([.. verbs.Select(v => (JsonNode)v)]),
    };
}
