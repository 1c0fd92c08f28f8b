using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Tests.Tools;

/// <summary>
/// <c>kubectl apply --server-side</c> as on a real server: field sets per manager in fieldsV1, operation Apply,
/// 409 naming the other manager and fields, <c>--force-conflicts</c> taking ownership, shared ownership of equal
/// values, and removal of the fields a manager stops applying.
/// </summary>
public sealed class ServerSideApplyTests(KubectlHarness k) : IClassFixture<KubectlHarness>
{
    private string Namespace(string name)
    {
        k.Kubectl("create", "namespace", name);
        return name;
    }

    private string Manifest(string name, string yaml)
    {
        var path = k.Scratch(name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private JsonObject Get(string ns, string resource, string name) =>
        JsonNode.Parse(k.KubectlOk("get", resource, name, "-n", ns, "-o", "json", "--show-managed-fields"))!.AsObject();

    private static JsonObject Entry(JsonObject obj, string manager, string operation = "Apply") =>
        obj["metadata"]!["managedFields"]!.AsArray().OfType<JsonObject>().Single(e => (string?)e["manager"] == manager && (string?)e["operation"] == operation);

    private static string ConfigMap(string ns, string data) => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: {ns}
        data:
        {data}
        """;

    [Fact]
    public void Apply_RecordsItsFields_AndRemovesTheFieldsItStopsApplying()
    {
        var ns = Namespace("ssa-own");

        k.KubectlOk("apply", "--server-side", "-f", Manifest("own-1.yaml", ConfigMap(ns, "  a: \"1\"\n  b: \"2\""))).ShouldContain("configmap/settings serverside-applied");
        var first = Get(ns, "configmap", "settings");
        var entry = Entry(first, "kubectl");
        ((string?)entry["fieldsType"]).ShouldBe("FieldsV1");
        entry["fieldsV1"]!.ToJsonString().ShouldBe("""{"f:data":{"f:a":{},"f:b":{}}}""");

        k.KubectlOk("apply", "--server-side", "-f", Manifest("own-2.yaml", ConfigMap(ns, "  b: \"3\"")));

        var data = Get(ns, "configmap", "settings")["data"]!.AsObject();
        data.Select(p => p.Key).ShouldBe(["b"], "the field kubectl stopped applying is removed");
        ((string?)data["b"]).ShouldBe("3");
        Entry(Get(ns, "configmap", "settings"), "kubectl")["fieldsV1"]!.ToJsonString().ShouldBe("""{"f:data":{"f:b":{}}}""");
    }

    [Fact]
    public void AnotherManagerChangingAnOwnedField_Conflicts_UntilItForces()
    {
        var ns = Namespace("ssa-conflict");
        k.KubectlOk("apply", "--server-side", "-f", Manifest("conflict-1.yaml", ConfigMap(ns, "  a: \"1\"\n  b: \"2\"")));

        var refused = k.Kubectl("apply", "--server-side", "--field-manager=tuner", "-f", Manifest("conflict-2.yaml", ConfigMap(ns, "  a: \"9\"\n  b: \"8\"")));

        refused.ExitCode.ShouldNotBe(0);
        refused.Output.ShouldContain("Apply failed with 2 conflicts: conflicts with \"kubectl\":");
        refused.Output.ShouldContain("- .data.a");
        refused.Output.ShouldContain("- .data.b");
        ((string?)Get(ns, "configmap", "settings")["data"]!["a"]).ShouldBe("1", "a refused apply changes nothing");

        k.KubectlOk("apply", "--server-side", "--field-manager=tuner", "--force-conflicts", "-f", Manifest("conflict-3.yaml", ConfigMap(ns, "  a: \"9\"")));

        var forced = Get(ns, "configmap", "settings");
        ((string?)forced["data"]!["a"]).ShouldBe("9");
        Entry(forced, "tuner")["fieldsV1"]!.ToJsonString().ShouldBe("""{"f:data":{"f:a":{}}}""");
        Entry(forced, "kubectl")["fieldsV1"]!.ToJsonString().ShouldBe("""{"f:data":{"f:b":{}}}""", "forcing takes the field away from its owner");
    }

    [Fact]
    public void EqualValues_AreShared_AndASharedFieldOutlivesOneOwnerLettingGo()
    {
        var ns = Namespace("ssa-share");
        k.KubectlOk("apply", "--server-side", "-f", Manifest("share-1.yaml", ConfigMap(ns, "  a: \"1\"\n  b: \"2\"")));

        k.KubectlOk("apply", "--server-side", "--field-manager=mirror", "-f", Manifest("share-2.yaml", ConfigMap(ns, "  a: \"1\"")));
        k.KubectlOk("apply", "--server-side", "-f", Manifest("share-3.yaml", ConfigMap(ns, "  b: \"2\"")));

        var shared = Get(ns, "configmap", "settings");
        ((string?)shared["data"]!["a"]).ShouldBe("1", "mirror still owns a, so kubectl dropping it does not remove it");
        Entry(shared, "mirror")["fieldsV1"]!.ToJsonString().ShouldBe("""{"f:data":{"f:a":{}}}""");
    }

    [Fact]
    public void ApplyOverKubectlCreate_ConflictsWithTheUpdater_NamingItsVersion()
    {
        var ns = Namespace("ssa-create");
        k.KubectlOk("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "-n", ns);
        var created = Get(ns, "deployment", "web");
        var createdFields = Entry(created, "kubectl-create", "Update")["fieldsV1"]!;
        createdFields["f:spec"]!["f:replicas"].ShouldNotBeNull();
        createdFields["f:spec"]!["f:template"]!["f:spec"]!["f:containers"]!["k:{\"name\":\"nginx\"}"]!["."].ShouldNotBeNull();

        var manifest = Manifest("web.yaml", $"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: {ns}
            spec:
              replicas: 5
              selector:
                matchLabels:
                  app: web
              template:
                metadata:
                  labels:
                    app: web
                spec:
                  containers:
                  - name: nginx
                    image: nginx:1.27
            """);
        var refused = k.Kubectl("apply", "--server-side", "-f", manifest);

        refused.ExitCode.ShouldNotBe(0);
        refused.Output.ShouldContain("Apply failed with 1 conflict: conflict with \"kubectl-create\" using apps/v1: .spec.replicas");

        k.KubectlOk("apply", "--server-side", "--force-conflicts", "-f", manifest);
        var forced = Get(ns, "deployment", "web");
        ((int?)forced["spec"]!["replicas"]).ShouldBe(5);
        Entry(forced, "kubectl")["fieldsV1"]!["f:spec"]!["f:replicas"].ShouldNotBeNull();
        Entry(forced, "kubectl-create", "Update")["fieldsV1"]!["f:spec"]!["f:replicas"].ShouldBeNull();
    }

    [Fact]
    public void ClientSideApplyThenServerSide_MovesOwnershipWithoutConflicts()
    {
        var ns = Namespace("ssa-upgrade");
        k.KubectlOk("apply", "-f", Manifest("upgrade-1.yaml", ConfigMap(ns, "  a: \"1\"")));
        Entry(Get(ns, "configmap", "settings"), "kubectl-client-side-apply", "Update");

        k.KubectlOk("apply", "--server-side", "-f", Manifest("upgrade-2.yaml", ConfigMap(ns, "  a: \"2\"")));

        var upgraded = Get(ns, "configmap", "settings");
        ((string?)upgraded["data"]!["a"]).ShouldBe("2");
        Entry(upgraded, "kubectl")["fieldsV1"]!["f:data"]!["f:a"].ShouldNotBeNull();
        upgraded["metadata"]!["managedFields"]!.AsArray().Select(e => (string?)e!["manager"]).ShouldNotContain("kubectl-client-side-apply", upgraded["metadata"]!.ToJsonString());
    }

    [Fact]
    public void PodLists_MergeByTheirKeys_AndEachManagerOwnsItsItems()
    {
        var ns = Namespace("ssa-lists");
        k.KubectlOk("apply", "--server-side", "-f", Manifest("lists-1.yaml", $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: two
              namespace: {ns}
            spec:
              containers:
              - name: main
                image: busybox
                env:
                - name: A
                  value: "1"
            """));
        k.KubectlOk("apply", "--server-side", "--field-manager=sidecar-injector", "-f", Manifest("lists-2.yaml", $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: two
              namespace: {ns}
            spec:
              containers:
              - name: main
                env:
                - name: B
                  value: "2"
            """));

        var pod = Get(ns, "pod", "two");
        pod["spec"]!["containers"]![0]!["env"]!.AsArray().Select(e => (string?)e!["name"]).ShouldBe(["A", "B"], "env merges by name");
        JsonNode.DeepEquals(Entry(pod, "sidecar-injector")["fieldsV1"], JsonNode.Parse(
            """{"f:spec":{"f:containers":{"k:{\"name\":\"main\"}":{".":{},"f:env":{"k:{\"name\":\"B\"}":{".":{},"f:name":{},"f:value":{}}},"f:name":{}}}}}""")).ShouldBeTrue(
            Entry(pod, "sidecar-injector")["fieldsV1"]!.ToJsonString());
    }
}
