using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Tests.Semantics;

/// <summary>Kubernetes' RBAC rule matching: groups, subresources, resource names, wildcards, paths and subjects.</summary>
public sealed class RbacAuthorizerTests
{
    private static JsonObject Rule(string[] verbs, string[]? groups = null, string[]? resources = null, string[]? names = null, string[]? paths = null)
    {
        var rule = new JsonObject { ["verbs"] = new JsonArray([.. verbs.Select(v => (JsonNode)v)]) };
        if (groups is not null)
        {
            rule["apiGroups"] = new JsonArray([.. groups.Select(v => (JsonNode)v)]);
        }

        if (resources is not null)
        {
            rule["resources"] = new JsonArray([.. resources.Select(v => (JsonNode)v)]);
        }

        if (names is not null)
        {
            rule["resourceNames"] = new JsonArray([.. names.Select(v => (JsonNode)v)]);
        }

        if (paths is not null)
        {
            rule["nonResourceURLs"] = new JsonArray([.. paths.Select(v => (JsonNode)v)]);
        }

        return rule;
    }

    private static JsonObject Role(string name, string? ns, params JsonObject[] rules)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (ns is not null)
        {
            metadata["namespace"] = ns;
        }

        return new JsonObject { ["metadata"] = metadata, ["rules"] = new JsonArray([.. rules]) };
    }

    private static JsonObject Binding(string name, string? ns, string roleKind, string role, JsonObject subject)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (ns is not null)
        {
            metadata["namespace"] = ns;
        }

        return new JsonObject
        {
            ["metadata"] = metadata,
            ["roleRef"] = new JsonObject { ["kind"] = roleKind, ["name"] = role },
            ["subjects"] = new JsonArray(subject),
        };
    }

    private static JsonObject Subject(string kind, string name, string? ns = null) =>
        ns is null ? new JsonObject { ["kind"] = kind, ["name"] = name } : new JsonObject { ["kind"] = kind, ["name"] = name, ["namespace"] = ns };

    private static readonly RequestUser _alice = RequestUser.From("alice", ["team-a"]);

    [Fact]
    public void ARoleBinding_GrantsItsRoleInItsNamespaceOnly()
    {
        var rbac = new RbacAuthorizer(
            [Role("reader", "ns1", Rule(["get", "list"], [""], ["pods"]))],
            [],
            [Binding("b", "ns1", "Role", "reader", Subject("User", "alice"))],
            []);

        rbac.Authorize(_alice, new AccessAttributes("list", "", "pods", Namespace: "ns1")).Allowed.ShouldBeTrue();
        rbac.Authorize(_alice, new AccessAttributes("list", "", "pods", Namespace: "ns2")).Allowed.ShouldBeFalse();
        rbac.Authorize(_alice, new AccessAttributes("list", "", "pods")).Allowed.ShouldBeFalse("cluster scope");
        rbac.Authorize(_alice, new AccessAttributes("delete", "", "pods", Namespace: "ns1")).Allowed.ShouldBeFalse();
        rbac.Authorize(_alice, new AccessAttributes("list", "apps", "pods", Namespace: "ns1")).Allowed.ShouldBeFalse("another API group");
    }

    [Fact]
    public void Subresources_ResourceNames_AndWildcards_MatchAsKubernetesMatchesThem()
    {
        var rbac = new RbacAuthorizer(
            [],
            [Role("mixed", null, Rule(["get"], [""], ["pods/log"]), Rule(["update"], ["apps"], ["*/scale"]), Rule(["get"], [""], ["configmaps"], ["settings"]), Rule(["*"], ["batch"], ["*"]))],
            [],
            [Binding("b", null, "ClusterRole", "mixed", Subject("Group", "team-a"))]);

        rbac.Authorize(_alice, new AccessAttributes("get", "", "pods", "log", Namespace: "x")).Allowed.ShouldBeTrue();
        rbac.Authorize(_alice, new AccessAttributes("get", "", "pods", Namespace: "x")).Allowed.ShouldBeFalse("pods/log does not grant pods");
        rbac.Authorize(_alice, new AccessAttributes("update", "apps", "deployments", "scale", Namespace: "x")).Allowed.ShouldBeTrue();
        rbac.Authorize(_alice, new AccessAttributes("get", "", "configmaps", Name: "settings", Namespace: "x")).Allowed.ShouldBeTrue();
        rbac.Authorize(_alice, new AccessAttributes("get", "", "configmaps", Name: "other", Namespace: "x")).Allowed.ShouldBeFalse();
        rbac.Authorize(_alice, new AccessAttributes("list", "", "configmaps", Namespace: "x")).Allowed.ShouldBeFalse("a named rule does not grant list");
        rbac.Authorize(_alice, new AccessAttributes("deletecollection", "batch", "jobs", Namespace: "x")).Allowed.ShouldBeTrue();
    }

    [Fact]
    public void Paths_ServiceAccounts_AndTheMastersGroup()
    {
        var robot = RequestUser.From("system:serviceaccount:ns1:robot", []);
        var rbac = new RbacAuthorizer(
            [],
            [Role("health", null, Rule(["get"], paths: ["/healthz", "/metrics/*"])), Role("sa-reader", null, Rule(["list"], [""], ["secrets"]))],
            [Binding("sa", "ns1", "ClusterRole", "sa-reader", Subject("ServiceAccount", "robot", "ns1"))],
            [Binding("h", null, "ClusterRole", "health", Subject("Group", "system:serviceaccounts"))]);

        rbac.Authorize(robot, new AccessAttributes("get", Path: "/healthz")).Allowed.ShouldBeTrue("service accounts are in system:serviceaccounts");
        rbac.Authorize(robot, new AccessAttributes("get", Path: "/metrics/cadvisor")).Allowed.ShouldBeTrue();
        rbac.Authorize(robot, new AccessAttributes("get", Path: "/version")).Allowed.ShouldBeFalse();
        rbac.Authorize(robot, new AccessAttributes("list", "", "secrets", Namespace: "ns1")).Allowed.ShouldBeTrue("a RoleBinding may grant a ClusterRole in its namespace");
        rbac.Authorize(robot, new AccessAttributes("list", "", "secrets", Namespace: "ns2")).Allowed.ShouldBeFalse();
        rbac.Authorize(_alice, new AccessAttributes("get", Path: "/healthz")).Allowed.ShouldBeFalse();
        rbac.Authorize(RequestUser.Admin, new AccessAttributes("delete", "", "nodes")).Allowed.ShouldBeTrue();
    }
}
