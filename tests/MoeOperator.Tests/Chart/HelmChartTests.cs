using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Chart;

public sealed class HelmChartTests
{
    [Fact]
    public void Lint_Strict_Passes()
    {
        var result = RenderedChart.Helm("lint", "--strict", RenderedChart.ChartDirectory);

        result.ExitCode.ShouldBe(0, result.Output);
        result.Stdout.ShouldContain("0 chart(s) failed");
    }

    [Fact]
    public void Lint_Strict_PassesWithEverythingOn()
    {
        var arguments = new List<string> { "lint", "--strict", RenderedChart.ChartDirectory };
        foreach (var value in RenderedChart.EverythingOn)
        {
            arguments.AddRange(["--set", value]);
        }

        var result = Tools.Run(Tools.Helm, arguments);

        result.ExitCode.ShouldBe(0, result.Output);
    }

    [Fact]
    public void Template_Defaults_RenderTheOperatorAndItsRbacOnly()
    {
        var kinds = RenderedChart.Objects().Select(o => (string)o["kind"]!).Order(StringComparer.Ordinal).ToList();

        kinds.ShouldBe(["ClusterRole", "ClusterRole", "ClusterRole", "ClusterRoleBinding", "Deployment", "Role", "RoleBinding", "Service", "ServiceAccount"]);
    }

    [Fact]
    public void Template_AggregatesTheCustomResourcesIntoViewAndEdit_UnlessTurnedOff()
    {
        static List<string> AggregatedRoles(params string[] values) => [.. RenderedChart.Objects(values)
            .Where(o => (string?)o["kind"] == "ClusterRole")
            .SelectMany(o => (o["metadata"]!["labels"]!.AsObject()).Where(l => l.Key.StartsWith("rbac.authorization.k8s.io/aggregate-to-", StringComparison.Ordinal)).Select(l => $"{o["metadata"]!["name"]} {l.Key[^5..].TrimStart('-')}"))
            .Order(StringComparer.Ordinal)];

        AggregatedRoles().ShouldBe(["moe-moe-operator-edit admin", "moe-moe-operator-edit edit", "moe-moe-operator-view view"]);
        AggregatedRoles("rbac.aggregateToDefaultRoles=false").ShouldBeEmpty();
    }

    [Fact]
    public void Template_EverythingOn_AddsMonitoringAndDashboards()
    {
        var kinds = RenderedChart.Objects(RenderedChart.EverythingOn).Select(o => (string)o["kind"]!).ToList();

        kinds.ShouldContain("ServiceMonitor");
        kinds.ShouldContain("PodMonitor");
        kinds.ShouldContain("PrometheusRule");
        kinds.ShouldContain("ConfigMap");
    }

    [Fact]
    public void Template_EveryObject_ValidatesAgainstTheKubernetesSchemas()
    {
        var rendered = RenderedChart.Template(RenderedChart.EverythingOn);
        var crds = string.Join("---\n", Directory.GetFiles(Path.Combine(RenderedChart.ChartDirectory, "crds")).Order(StringComparer.Ordinal).Select(File.ReadAllText));

        var result = Tools.Run("node", [Tools.K8sSchemaValidator], stdin: rendered + "---\n" + crds);

        result.ExitCode.ShouldBe(0, result.Output);
        result.Stdout.ShouldContain("19 valid, 0 invalid", customMessage: "13 objects with everything on (four dashboards and the view and edit ClusterRoles among them) and the three CRDs");
    }

    [Fact]
    public void SchemaValidator_RejectsAnInvalidObject()
    {
        // The validator above must be able to fail, or its pass means nothing.
        var result = Tools.Run("node", [Tools.K8sSchemaValidator], stdin: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: two, selector: {}, template: {}}\n");

        result.ExitCode.ShouldBe(1);
        result.Stdout.ShouldContain("spec/replicas must be integer");
    }

    [Fact]
    public void ClusterRole_GrantsExactVerbsAndNoWildcards()
    {
        var role = RenderedChart.OperatorClusterRole(RenderedChart.Objects(RenderedChart.EverythingOn));
        var rules = role["rules"]!.AsArray().Select(r => r!.AsObject()).ToList();
        string[] Values(JsonObject rule, string key) => [.. rule[key]!.AsArray().Select(v => (string)v!)];

        foreach (var rule in rules)
        {
            Values(rule, "verbs").ShouldNotContain("*");
            Values(rule, "resources").ShouldNotContain("*");
            Values(rule, "apiGroups").ShouldNotContain("*");
            Values(rule, "verbs").ShouldAllBe(v => v != "escalate" && v != "bind" && v != "impersonate" && v != "deletecollection");
        }

        string[] VerbsFor(string group, string resource) =>
            [.. rules.Where(r => Values(r, "apiGroups").Contains(group) && Values(r, "resources").Contains(resource)).SelectMany(r => Values(r, "verbs"))];

        VerbsFor("", "nodes").ShouldBe(["list", "watch"]);
        VerbsFor("", "pods/log").ShouldBe(["get"]);
        VerbsFor("moe.dev", "epgroups").ShouldNotContain("create");
        VerbsFor("moe.dev", "epgroups").ShouldNotContain("delete");
        VerbsFor("moe.dev", "epgroups/status").ShouldBe(["patch"]);
        VerbsFor("events.k8s.io", "events").ShouldBe(["create"]);
        VerbsFor("coordination.k8s.io", "leases").ShouldBeEmpty("leases belong to the namespaced leader-election Role");
    }

    [Fact]
    public void ClusterRole_PodGroupsOnlyWithAnExternalGangScheduler()
    {
        static bool GrantsPodGroups(IEnumerable<JsonObject> objects) =>
            RenderedChart.OperatorClusterRole(objects)["rules"]!.AsArray().Any(r => r!["resources"]!.AsArray().Any(v => (string?)v == "podgroups"));

        GrantsPodGroups(RenderedChart.Objects()).ShouldBeFalse();
        GrantsPodGroups(RenderedChart.Objects("externalGangScheduler.enabled=true")).ShouldBeTrue();
    }

    [Fact]
    public void Deployment_RunsWithARestrictedSecurityContextAndProbes()
    {
        var deployment = RenderedChart.Single(RenderedChart.Objects(), "Deployment");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]!.AsArray().ShouldHaveSingleItem()!;

        ((bool)pod["securityContext"]!["runAsNonRoot"]!).ShouldBeTrue();
        ((string?)pod["securityContext"]!["seccompProfile"]!["type"]).ShouldBe("RuntimeDefault");
        ((bool)container["securityContext"]!["readOnlyRootFilesystem"]!).ShouldBeTrue();
        ((bool)container["securityContext"]!["allowPrivilegeEscalation"]!).ShouldBeFalse();
        container["securityContext"]!["capabilities"]!["drop"]!.AsArray().Select(c => (string?)c).ShouldBe(["ALL"]);
        ((string?)container["livenessProbe"]!["httpGet"]!["path"]).ShouldBe("/healthz");
        ((string?)container["readinessProbe"]!["httpGet"]!["path"]).ShouldBe("/readyz");
        container["resources"]!["requests"].ShouldNotBeNull();
        container["resources"]!["limits"]!["memory"].ShouldNotBeNull();
    }

    [Fact]
    public void Deployment_PassesKubebuilderStyleFlagsAndTheImageFromValues()
    {
        var container = RenderedChart.Single(RenderedChart.Objects("image.tag=1.2.3", "watchNamespaces={a,b}"), "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var args = container["args"]!.AsArray().Select(a => (string)a!).ToList();

        ((string?)container["image"]).ShouldBe("ghcr.io/moe-operator/moe-operator:1.2.3");
        args[0].ShouldBe("operator");
        args.ShouldContain("--metrics-bind-address=:8080");
        args.ShouldContain("--health-probe-bind-address=:8081");
        args.ShouldContain("--leader-elect=true");
        args.ShouldContain("--namespace=a");
        args.ShouldContain("--namespace=b");
    }

    [Theory]
    [InlineData("replicaCount=0", "replicaCount")]
    [InlineData("logLevel=verbose", "logLevel")]
    [InlineData("leaderElection.leaseDuration=15", "leaseDuration")]
    [InlineData("colour=blue", "colour")]
    [InlineData("prometheusRule.forOverride=soon", "forOverride")]
    public void ValuesSchema_RejectsBadValuesNamingTheKey(string setValue, string key)
    {
        var result = RenderedChart.Helm("template", "moe", RenderedChart.ChartDirectory, "--set", setValue);

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain(key);
    }

    [Fact]
    public void PrometheusRule_CarriesTheRulesFileUnchanged()
    {
        var rule = RenderedChart.Single(RenderedChart.Objects(RenderedChart.EverythingOn), "PrometheusRule");
        var file = YamlDocuments.Parse(File.ReadAllText(Path.Combine(RenderedChart.ChartDirectory, "rules", "moe-operator.rules.yaml"))).ShouldHaveSingleItem();

        JsonNode.DeepEquals(rule["spec"]!["groups"], file["groups"]).ShouldBeTrue();
    }

    [Fact]
    public void ForOverride_ReplacesTheForOfEveryAlertThatHasOne_AndChangesNothingElse()
    {
        var file = YamlDocuments.Parse(File.ReadAllText(Path.Combine(RenderedChart.ChartDirectory, "rules", "moe-operator.rules.yaml"))).ShouldHaveSingleItem();
        var rule = RenderedChart.Single(RenderedChart.Objects("prometheusRule.enabled=true", "prometheusRule.forOverride=30s"), "PrometheusRule");

        var rendered = rule["spec"]!["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()).ToList();
        var original = file["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()).ToList();
        rendered.Count.ShouldBe(original.Count);
        original.ShouldContain(r => r!["for"] != null && (string?)r["for"] != "30s");
        foreach (var (was, now) in original.Zip(rendered))
        {
            ((string?)now!["for"]).ShouldBe(was!["for"] is null ? null : "30s", $"{was["alert"]}: a rule without for: (it measures over a window) keeps none");
            var rest = now.DeepClone().AsObject();
            if (was["for"] is { } originalFor)
            {
                rest["for"] = originalFor.DeepClone();
            }

            JsonNode.DeepEquals(rest, was).ShouldBeTrue($"{was["alert"]}: only for: changes");
        }
    }

    [Fact]
    public void AlertRules_PassPromtool()
    {
        var result = Tools.Run(Tools.Promtool, ["check", "rules", Path.Combine(RenderedChart.ChartDirectory, "rules", "moe-operator.rules.yaml")]);

        result.ExitCode.ShouldBe(0, result.Output);
        result.Output.ShouldContain("SUCCESS: 12 rules found");
    }

    [Fact]
    public void Dashboards_AreValidJsonConfigMaps()
    {
        var configMaps = RenderedChart.Objects(RenderedChart.EverythingOn).Where(o => (string?)o["kind"] == "ConfigMap").ToList();

        configMaps.ShouldNotBeEmpty();
        foreach (var map in configMaps)
        {
            ((string?)map["metadata"]!["labels"]!["grafana_dashboard"]).ShouldBe("1");
            foreach (var (_, json) in map["data"]!.AsObject())
            {
                JsonNode.Parse((string)json!)!["panels"]!.AsArray().ShouldNotBeEmpty();
            }
        }
    }
}
