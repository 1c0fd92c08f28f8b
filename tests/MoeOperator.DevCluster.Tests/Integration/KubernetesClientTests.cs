using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace MoeOperator.DevCluster.Tests.Integration;

/// <summary>The semantics the operator relies on, driven through KubernetesClient exactly as the operator calls it.</summary>
public sealed class KubernetesClientTests(DevServer dev) : IClassFixture<DevServer>
{
    private const string Group = "moe.dev";
    private const string Version = "v1alpha1";

    private static Dictionary<string, object> EPGroup(string name, int ranks = 4) =>
        JsonSerializer.Deserialize<Dictionary<string, object>>(Objects.EPGroup(name, ranks).ToJsonString())!;

    private static JsonElement Json(object o) => JsonSerializer.SerializeToElement(o);

    [Fact]
    public async Task Replace_WithAStaleResourceVersion_ThrowsConflict()
    {
        var ns = await dev.NewNamespaceAsync();
        var cm = await dev.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, ns);
        var stale = cm.Metadata.ResourceVersion;
        cm.Data = new Dictionary<string, string> { ["a"] = "1" };
        await dev.Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "c", ns);
        cm.Metadata.ResourceVersion = stale;

        var error = await Should.ThrowAsync<HttpOperationException>(() => dev.Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "c", ns));

        error.Response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        error.Response.Content.ShouldContain("the object has been modified");
    }

    [Fact]
    public async Task CustomObjects_StatusPatchAndSpecPatch_TouchOnlyTheirPart()
    {
        await dev.InstallCrdsAsync();
        var ns = await dev.NewNamespaceAsync();
        await dev.Client.CustomObjects.CreateNamespacedCustomObjectAsync(EPGroup("g"), Group, Version, ns, "epgroups");

        await dev.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Running","readyRanks":4},"spec":{"ranks":8}}""", V1Patch.PatchType.MergePatch), Group, Version, ns, "epgroups", "g");
        await dev.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"replace","path":"/spec/ranks","value":8}]""", V1Patch.PatchType.JsonPatch), Group, Version, ns, "epgroups", "g");

        var g = Json(await dev.Client.CustomObjects.GetNamespacedCustomObjectAsync(Group, Version, ns, "epgroups", "g"));
        g.GetProperty("spec").GetProperty("ranks").GetInt32().ShouldBe(8);
        g.GetProperty("status").GetProperty("readyRanks").GetInt32().ShouldBe(4);
        g.GetProperty("metadata").GetProperty("generation").GetInt64().ShouldBe(2);
    }

    [Fact]
    public async Task CustomObjects_InvalidSpec_ThrowsUnprocessableEntityNamingTheField()
    {
        await dev.InstallCrdsAsync();
        var ns = await dev.NewNamespaceAsync();

        var error = await Should.ThrowAsync<HttpOperationException>(() =>
            dev.Client.CustomObjects.CreateNamespacedCustomObjectAsync(EPGroup("odd", ranks: 3), Group, Version, ns, "epgroups"));

        error.Response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        error.Response.Content.ShouldContain("spec.ranks");
    }

    [Fact]
    public async Task Patch_StrategicAndApply_OnBuiltInKinds()
    {
        var ns = await dev.NewNamespaceAsync();
        await dev.Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c", Finalizers = ["a/one"] }, Data = new Dictionary<string, string> { ["a"] = "1" } }, ns);

        await dev.Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"metadata":{"finalizers":["a/two"]},"data":{"b":"2"}}""", V1Patch.PatchType.StrategicMergePatch), "c", ns);
        await dev.Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"c":"3"}}""", V1Patch.PatchType.ApplyPatch), "c", ns, fieldManager: "moe-operator", force: true);

        var c = await dev.Client.CoreV1.ReadNamespacedConfigMapAsync("c", ns);
        c.Data.Keys.ShouldBe(["a", "b", "c"], ignoreOrder: true);
        c.Metadata.Finalizers.ShouldBe(["a/one", "a/two"], "finalizers merge as a set under strategic merge");
        c.Metadata.ManagedFields.Select(m => m.Manager).ShouldContain("moe-operator");
    }

    [Fact]
    public async Task Delete_WithForegroundPropagation_KeepsTheOwnerUntilDependentsAreGone()
    {
        var ns = await dev.NewNamespaceAsync();
        var owner = await dev.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, ns);
        await dev.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta
            {
                Name = "child",
                Finalizers = ["moe.dev/hold"],
                OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid, BlockOwnerDeletion = true }],
            },
        }, ns);

        await dev.Client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, new V1DeleteOptions { PropagationPolicy = "Foreground" });
        var waiting = await dev.Client.CoreV1.ReadNamespacedConfigMapAsync("owner", ns);
        await dev.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "child", ns);

        waiting.Metadata.DeletionTimestamp.ShouldNotBeNull();
        waiting.Metadata.Finalizers.ShouldContain("foregroundDeletion");
        (await dev.Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task List_WithSelectorsAndPaging()
    {
        var ns = await dev.NewNamespaceAsync();
        for (var i = 0; i < 5; i++)
        {
            await dev.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = $"c{i}", Labels = new Dictionary<string, string> { ["parity"] = i % 2 == 0 ? "even" : "odd" } },
            }, ns);
        }

        var even = await dev.Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: "parity=even");
        var byName = await dev.Client.CoreV1.ListNamespacedConfigMapAsync(ns, fieldSelector: "metadata.name=c3");
        var first = await dev.Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 3);
        var rest = await dev.Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 3, continueParameter: first.Metadata.ContinueProperty);

        even.Items.Select(i => i.Metadata.Name).ShouldBe(["c0", "c2", "c4"]);
        byName.Items.Single().Metadata.Name.ShouldBe("c3");
        first.Items.Concat(rest.Items).Select(i => i.Metadata.Name).ShouldBe(["c0", "c1", "c2", "c3", "c4"]);
        rest.Metadata.ContinueProperty.ShouldBeNull();
    }

    [Fact]
    public async Task Watch_FromAResourceVersion_WithBookmarks()
    {
        var ns = await dev.NewNamespaceAsync();
        var start = (await dev.Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Metadata.ResourceVersion;
        await dev.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "made-before-watching" } }, ns);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var events = new List<string>();

        await foreach (var (type, item) in dev.Client.CoreV1.WatchListNamespacedConfigMapAsync(ns, allowWatchBookmarks: true, resourceVersion: start, cancellationToken: stop.Token))
        {
            events.Add($"{type} {item.Metadata.Name}");
            if (type == WatchEventType.Bookmark)
            {
                break;
            }
        }

        events.ShouldBe(["Added made-before-watching", "Bookmark "]);
    }
}
