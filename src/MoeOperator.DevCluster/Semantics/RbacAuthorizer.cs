using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>What a request asks to do: a verb on a resource (group, resource, subresource, name, namespace) or on a path.</summary>
public sealed record AccessAttributes(string Verb, string Group = "", string Resource = "", string Subresource = "", string Name = "", string Namespace = "", string? Path = null)
{
    public bool IsResource => Path is null;
}

/// <summary>
/// Kubernetes' RBAC authorizer over the stored Roles, ClusterRoles and their bindings: a request is allowed when a
/// RoleBinding in its namespace or a ClusterRoleBinding names the user, one of its groups or its service account,
/// and the bound role has a rule matching the verb, API group, resource (or resource/subresource) and name; or a
/// path, for non-resource requests. system:masters is allowed everything, as the real server's superuser group.
/// Aggregated ClusterRoles are read as stored: in a dev cluster the clusterrole-aggregation controller writes the
/// union of the roles they select into them, as on a real cluster.
/// </summary>
public sealed class RbacAuthorizer(IReadOnlyList<JsonObject> roles, IReadOnlyList<JsonObject> clusterRoles, IReadOnlyList<JsonObject> roleBindings, IReadOnlyList<JsonObject> clusterRoleBindings)
{
    /// <summary>Whether the user may, and why (the binding and role that allow it).</summary>
    public (bool Allowed, string Reason) Authorize(RequestUser user, AccessAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(attributes);
        if (user.Groups.Contains(RequestUser.Masters))
        {
            return (true, $"allowed: {user.Name} is in {RequestUser.Masters}");
        }

        foreach (var (binding, kind, rules) in BoundRules(user, attributes.Namespace))
        {
            if (rules.Any(rule => Matches(rule, attributes)))
            {
                return (true, $"RBAC: allowed by {kind} \"{Name(binding)}\" of {RoleRefText(binding)} to {SubjectText(user)}");
            }
        }

        return (false, "");
    }

    /// <summary>The rules that apply to the user in a namespace (the cluster's bindings and the namespace's).</summary>
    public (List<JsonObject> ResourceRules, List<JsonObject> NonResourceRules) Rules(RequestUser user, string ns)
    {
        ArgumentNullException.ThrowIfNull(user);
        var all = user.Groups.Contains(RequestUser.Masters)
            ? [new JsonObject { ["verbs"] = new JsonArray("*"), ["apiGroups"] = new JsonArray("*"), ["resources"] = new JsonArray("*") }, new JsonObject { ["verbs"] = new JsonArray("*"), ["nonResourceURLs"] = new JsonArray("*") }]
            : BoundRules(user, ns).SelectMany(b => b.Rules).ToList();
        var resource = all.Where(r => r["resources"] is JsonArray { Count: > 0 }).Select(r => new JsonObject
        {
            ["verbs"] = r["verbs"]?.DeepClone(),
            ["apiGroups"] = r["apiGroups"]?.DeepClone() ?? new JsonArray(),
            ["resources"] = r["resources"]?.DeepClone(),
            ["resourceNames"] = r["resourceNames"]?.DeepClone(),
        }).ToList();
        var nonResource = all.Where(r => r["nonResourceURLs"] is JsonArray { Count: > 0 }).Select(r => new JsonObject
        {
            ["verbs"] = r["verbs"]?.DeepClone(),
            ["nonResourceURLs"] = r["nonResourceURLs"]?.DeepClone(),
        }).ToList();
        foreach (var rule in resource.Where(r => r["resourceNames"] is null))
        {
            rule.Remove("resourceNames");
        }

        return (resource, nonResource);
    }

    // Each binding that names the user, with its kind and the rules of the role it grants.
    private IEnumerable<(JsonObject Binding, string Kind, List<JsonObject> Rules)> BoundRules(RequestUser user, string ns)
    {
        foreach (var binding in clusterRoleBindings.Where(b => Names(b, user)))
        {
            yield return (binding, "ClusterRoleBinding", RulesOf(binding, ns: null));
        }

        foreach (var binding in roleBindings.Where(b => ns.Length > 0 && (string?)b["metadata"]?["namespace"] == ns && Names(b, user)))
        {
            yield return (binding, "RoleBinding", RulesOf(binding, ns));
        }
    }

    private List<JsonObject> RulesOf(JsonObject binding, string? ns)
    {
        var kind = (string?)binding["roleRef"]?["kind"];
        var name = (string?)binding["roleRef"]?["name"];
        var role = kind == "ClusterRole"
            ? clusterRoles.FirstOrDefault(r => Name(r) == name)
            : roles.FirstOrDefault(r => Name(r) == name && (string?)r["metadata"]?["namespace"] == ns);
        return role?["rules"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
    }

    private static bool Names(JsonObject binding, RequestUser user) =>
        binding["subjects"]?.AsArray().OfType<JsonObject>().Any(s => (string?)s["kind"] switch
        {
            "User" => (string?)s["name"] == user.Name,
            "Group" => user.Groups.Contains((string?)s["name"] ?? ""),
            "ServiceAccount" => user.ServiceAccount is var (ns, name) && (string?)s["name"] == name && ((string?)s["namespace"] ?? (string?)binding["metadata"]?["namespace"]) == ns,
            _ => false,
        }) == true;

    private static bool Matches(JsonObject rule, AccessAttributes a)
    {
        if (!Has(rule["verbs"], a.Verb))
        {
            return false;
        }

        if (!a.IsResource)
        {
            return rule["nonResourceURLs"]?.AsArray().Select(u => (string?)u ?? "").Any(u => u == "*" || u == a.Path || (u.EndsWith('*') && a.Path!.StartsWith(u[..^1], StringComparison.Ordinal))) == true;
        }

        var resource = a.Subresource.Length == 0 ? a.Resource : $"{a.Resource}/{a.Subresource}";
        var resources = rule["resources"]?.AsArray().Select(r => (string?)r ?? "").ToList() ?? [];
        var resourceMatches = resources.Any(r => r == "*" || r == resource || (a.Subresource.Length > 0 && r == $"*/{a.Subresource}"));
        var names = rule["resourceNames"]?.AsArray().Select(n => (string?)n).ToList() ?? [];
        return Has(rule["apiGroups"], a.Group) && resourceMatches && (names.Count == 0 || names.Contains(a.Name));
    }

    private static bool Has(JsonNode? list, string value) =>
        list?.AsArray().Any(v => (string?)v == "*" || (string?)v == value) == true;

    private static string? Name(JsonObject obj) => (string?)obj["metadata"]?["name"];

    private static string RoleRefText(JsonObject binding) => $"{binding["roleRef"]?["kind"]} \"{binding["roleRef"]?["name"]}\"";

    private static string SubjectText(RequestUser user) =>
        user.ServiceAccount is var (ns, name) ? $"ServiceAccount \"{name}/{ns}\"" : $"User \"{user.Name}\"";

    /// <summary>The real server's 403 message for a denied request.</summary>
    public static string ForbiddenMessage(RequestUser user, AccessAttributes a)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(a);
        if (!a.IsResource)
        {
            return $"forbidden: User \"{user.Name}\" cannot {a.Verb} path \"{a.Path}\"";
        }

        var resource = a.Subresource.Length == 0 ? a.Resource : $"{a.Resource}/{a.Subresource}";
        var scope = a.Namespace.Length > 0 ? $"in the namespace \"{a.Namespace}\"" : "at the cluster scope";
        var groupResource = a.Group.Length > 0 ? $"{a.Resource}.{a.Group}" : a.Resource;
        var subject = a.Name.Length > 0 ? $"{groupResource} \"{a.Name}\"" : groupResource;
        return $"{subject} is forbidden: User \"{user.Name}\" cannot {a.Verb} resource \"{resource}\" in API group \"{a.Group}\" {scope}";
    }
}
