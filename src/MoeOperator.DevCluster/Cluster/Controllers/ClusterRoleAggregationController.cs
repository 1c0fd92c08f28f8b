using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Cluster.Scheduling;

namespace MoeOperator.DevCluster.Cluster.Controllers;

/// <summary>
/// Kubernetes' clusterrole-aggregation controller: a ClusterRole with an aggregationRule has as its rules the rules
/// of every other ClusterRole that any of its clusterRoleSelectors matches, taken in the order of their names, each
/// rule once. It writes them into the role itself, so RBAC and every client read the union from the stored object,
/// and a role labelled <c>rbac.authorization.k8s.io/aggregate-to-view: "true"</c> widens view, edit and admin.
/// </summary>
internal sealed class ClusterRoleAggregationController(ClusterApi api) : ControlLoop(api, TimeSpan.FromSeconds(5), GroupResource)
{
    public const string GroupResource = "clusterroles.rbac.authorization.k8s.io";

    protected override void Pass()
    {
        var roles = Api.List(GroupResource);
        foreach (var role in roles.Where(r => r["aggregationRule"]?["clusterRoleSelectors"] is JsonArray))
        {
            var rules = Aggregate(role, roles);
            if (JsonNode.DeepEquals(role["rules"] ?? new JsonArray(), rules))
            {
                continue;
            }

            ForObject(role, "clusterrole", () =>
            {
                role["rules"] = rules;
                Api.Update(GroupResource, role);
            });
        }
    }

    /// <summary>The rules an aggregated role holds: those of the roles its selectors match, by name, each once.</summary>
    public static JsonArray Aggregate(JsonObject role, IEnumerable<JsonObject> roles)
    {
        var selectors = role["aggregationRule"]?["clusterRoleSelectors"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
        var name = ClusterApi.Name(role);
        var rules = new JsonArray();
        foreach (var source in roles.Where(r => ClusterApi.Name(r) != name).OrderBy(ClusterApi.Name, StringComparer.Ordinal))
        {
            var labels = source["metadata"]?["labels"] as JsonObject;
            if (!selectors.Any(s => LabelMatching.Matches(s, labels)))
            {
                continue;
            }

            foreach (var rule in source["rules"]?.AsArray().OfType<JsonObject>() ?? [])
            {
                if (!rules.Any(r => JsonNode.DeepEquals(r, rule)))
                {
                    rules.Add(rule.DeepClone());
                }
            }
        }

        return rules;
    }
}
