using System.Text.Json.Nodes;

namespace MoeOperator.Controllers;

/// <summary>
/// The identity the worker pods of an EPGroup or a TrainingJob run as: a ServiceAccount, and a Role bound to it that
/// lets the pods patch only their owner's pods (a rank publishes its expert load or training progress as an
/// annotation on its own pod) and nothing else. A namespace's default ServiceAccount has no rights on a cluster with
/// RBAC, so without these the workers' reports would be refused. All three are owned by the resource and go with it.
/// </summary>
internal static class WorkerAccess
{
    public const string RbacApiVersion = "rbac.authorization.k8s.io/v1";

    /// <summary>The ServiceAccount, Role and RoleBinding name of an owner's workers.</summary>
    public static string Name(string owner) => $"{owner}-worker";

    /// <summary>The three objects with the collection each is created in; <paramref name="podNames"/> are every pod the owner runs.</summary>
    public static IReadOnlyList<(string Collection, JsonObject Object)> Objects(JsonObject owner, string kind, string ownerLabel, IReadOnlyList<string> podNames)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(podNames);
        var ns = (string?)owner["metadata"]!["namespace"] ?? "default";
        var name = Name((string)owner["metadata"]!["name"]!);
        var account = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ServiceAccount",
            ["metadata"] = ChildObjects.Metadata(owner, kind, ownerLabel, name),
        };
        var role = new JsonObject
        {
            ["apiVersion"] = RbacApiVersion,
            ["kind"] = "Role",
            ["metadata"] = ChildObjects.Metadata(owner, kind, ownerLabel, name),
            ["rules"] = new JsonArray(new JsonObject
            {
                ["apiGroups"] = new JsonArray(""),
                ["resources"] = new JsonArray("pods"),
                ["resourceNames"] = new JsonArray([.. podNames.Select(p => (JsonNode?)p)]),
                ["verbs"] = new JsonArray("patch"),
            }),
        };
        var binding = new JsonObject
        {
            ["apiVersion"] = RbacApiVersion,
            ["kind"] = "RoleBinding",
            ["metadata"] = ChildObjects.Metadata(owner, kind, ownerLabel, name),
            ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "Role", ["name"] = name },
            ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "ServiceAccount", ["name"] = name, ["namespace"] = ns }),
        };
        return
        [
            ($"/api/v1/namespaces/{ns}/serviceaccounts", account),
            ($"/apis/{RbacApiVersion}/namespaces/{ns}/roles", role),
            ($"/apis/{RbacApiVersion}/namespaces/{ns}/rolebindings", binding),
        ];
    }
}
