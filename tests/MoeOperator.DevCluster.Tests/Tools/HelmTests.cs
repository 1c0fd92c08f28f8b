using MoeOperator.Testing;

namespace MoeOperator.DevCluster.Tests.Tools;

/// <summary>Real helm v4 installs, upgrades and uninstalls the chart on the dev API server.</summary>
public sealed class HelmTests(KubectlHarness k) : IClassFixture<KubectlHarness>
{
    private static readonly string[] _released =
        ["serviceaccount/moe-moe-operator", "service/moe-moe-operator-metrics", "deployment.apps/moe-moe-operator",
         "role.rbac.authorization.k8s.io/moe-moe-operator-leader-election", "rolebinding.rbac.authorization.k8s.io/moe-moe-operator-leader-election"];

    // The cluster's own bootstrap RBAC (cluster-admin) is not the chart's.
    private List<string> Names(string kinds, string? ns = "moe-system") =>
        [.. k.KubectlOk(ns is null ? ["get", kinds, "-o", "name", "-l", "kubernetes.io/bootstrapping!=rbac-defaults"] : ["get", kinds, "-n", ns, "-o", "name"]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];

    [Fact]
    public void InstallUpgradeUninstall_LeaveExactlyTheExpectedObjects()
    {
        var chart = RepoPaths.Of("charts", "moe-operator");

        var install = k.Helm("install", "moe", chart, "--namespace", "moe-system", "--create-namespace", "--wait=false");
        install.ExitCode.ShouldBe(0, install.Output);
        Names("serviceaccounts,services,deployments,roles,rolebindings").ShouldBe(_released.Order(StringComparer.Ordinal));
        Names("clusterroles,clusterrolebindings", ns: null).ShouldBe(["clusterrole.rbac.authorization.k8s.io/moe-moe-operator", "clusterrole.rbac.authorization.k8s.io/moe-moe-operator-edit", "clusterrole.rbac.authorization.k8s.io/moe-moe-operator-view", "clusterrolebinding.rbac.authorization.k8s.io/moe-moe-operator"]);
        Names("crds", ns: null).ShouldBe(["customresourcedefinition.apiextensions.k8s.io/epgroups.moe.dev", "customresourcedefinition.apiextensions.k8s.io/threefsclusters.moe.dev", "customresourcedefinition.apiextensions.k8s.io/trainingjobs.moe.dev"]);

        var managers = k.KubectlOk("get", "deployment", "moe-moe-operator", "-n", "moe-system", "--show-managed-fields", "-o", "jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation} {end}");
        managers.ShouldContain("helm/Apply", Case.Sensitive, "helm 4 installs with server-side apply");

        var upgrade = k.Helm("upgrade", "moe", chart, "--namespace", "moe-system", "--set", "replicaCount=2", "--set", "prometheusRule.enabled=false");
        upgrade.ExitCode.ShouldBe(0, upgrade.Output);
        k.KubectlOk("get", "deployment", "moe-moe-operator", "-n", "moe-system", "-o", "jsonpath={.spec.replicas}").ShouldBe("2");

        // Someone scales by hand; helm's next apply of another replica count conflicts until it forces.
        k.KubectlOk("scale", "deployment", "moe-moe-operator", "-n", "moe-system", "--replicas=3");
        var refused = k.Helm("upgrade", "moe", chart, "--namespace", "moe-system", "--set", "replicaCount=4", "--set", "prometheusRule.enabled=false");
        refused.ExitCode.ShouldNotBe(0);
        refused.Output.ShouldContain("Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas");
        var forced = k.Helm("upgrade", "moe", chart, "--namespace", "moe-system", "--set", "replicaCount=4", "--set", "prometheusRule.enabled=false", "--force-conflicts");
        forced.ExitCode.ShouldBe(0, forced.Output);
        k.KubectlOk("get", "deployment", "moe-moe-operator", "-n", "moe-system", "-o", "jsonpath={.spec.replicas}").ShouldBe("4");
        k.Helm("list", "-n", "moe-system").Stdout.ShouldContain("deployed");

        var uninstall = k.Helm("uninstall", "moe", "--namespace", "moe-system");
        uninstall.ExitCode.ShouldBe(0, uninstall.Output);
        Names("serviceaccounts,services,deployments,roles,rolebindings,secrets").ShouldBeEmpty();
        Names("clusterroles,clusterrolebindings", ns: null).ShouldBeEmpty();
        Names("crds", ns: null).Count.ShouldBe(3, "helm keeps CRDs, so custom resources and their data survive an uninstall");
    }
}
