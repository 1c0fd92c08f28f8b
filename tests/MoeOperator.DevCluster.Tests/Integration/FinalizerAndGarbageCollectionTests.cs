using System.Net;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Tests.Integration;

public sealed class FinalizerAndGarbageCollectionTests(DevServer dev) : IClassFixture<DevServer>
{
    private async Task<(string Ns, JsonNode Owner)> OwnerAsync(string? finalizer = null)
    {
        var ns = await dev.NewNamespaceAsync();
        var extra = finalizer is null ? null : new JsonObject { ["finalizers"] = new JsonArray(finalizer) };
        var owner = await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("owner", metadataExtra: extra));
        return (ns, owner);
    }

    private Task<JsonNode> DependentAsync(string ns, string name, JsonNode owner, string? finalizer = null)
    {
        var extra = Objects.OwnedBy(owner.AsObject());
        if (finalizer is not null)
        {
            extra["finalizers"] = new JsonArray(finalizer);
        }

        return dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap(name, metadataExtra: extra));
    }

    private async Task<bool> ExistsAsync(string ns, string name) =>
        (await dev.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/{name}")).Status == HttpStatusCode.OK;

    private static JsonObject Propagation(string policy) => new() { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1", ["propagationPolicy"] = policy };

    [Fact]
    public async Task Delete_WithAFinalizer_MarksTheObjectUntilTheFinalizerIsRemoved()
    {
        var (ns, _) = await OwnerAsync("moe.dev/keep");

        var deleting = await dev.OkAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/owner");

        deleting["metadata"]!["deletionTimestamp"].ShouldNotBeNull();
        (await ExistsAsync(ns, "owner")).ShouldBeTrue();
        var (added, addedBody) = await dev.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/owner",
            JsonNode.Parse("""{"metadata":{"finalizers":["moe.dev/keep","moe.dev/another"]}}"""), "application/merge-patch+json");
        added.ShouldBe(HttpStatusCode.UnprocessableEntity);
        ((string?)addedBody!["message"])!.ShouldContain("no new finalizers can be added if the object is being deleted");

        await dev.OkAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/owner", JsonNode.Parse("""{"metadata":{"finalizers":null}}"""), "application/merge-patch+json");

        (await ExistsAsync(ns, "owner")).ShouldBeFalse();
    }

    [Fact]
    public async Task Delete_Background_RemovesTheOwnerAndThenItsDependents()
    {
        var (ns, owner) = await OwnerAsync();
        await DependentAsync(ns, "child", owner);
        await DependentAsync(ns, "grandchild-owner", owner);

        await dev.OkAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/owner", Propagation("Background"));

        (await ExistsAsync(ns, "owner")).ShouldBeFalse();
        (await ExistsAsync(ns, "child")).ShouldBeFalse();
        (await ExistsAsync(ns, "grandchild-owner")).ShouldBeFalse();
    }

    [Fact]
    public async Task Delete_Foreground_KeepsTheOwnerUntilEveryDependentIsGone()
    {
        var (ns, owner) = await OwnerAsync();
        await DependentAsync(ns, "free-child", owner);
        await DependentAsync(ns, "held-child", owner, finalizer: "moe.dev/hold");

        var deleting = await dev.OkAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/owner", Propagation("Foreground"));

        deleting["metadata"]!["finalizers"]!.AsArray().Select(f => (string?)f).ShouldContain("foregroundDeletion");
        (await ExistsAsync(ns, "free-child")).ShouldBeFalse();
        (await ExistsAsync(ns, "held-child")).ShouldBeTrue();
        (await ExistsAsync(ns, "owner")).ShouldBeTrue("the owner waits for held-child");

        await dev.OkAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/held-child", JsonNode.Parse("""{"metadata":{"finalizers":null}}"""), "application/merge-patch+json");

        (await ExistsAsync(ns, "held-child")).ShouldBeFalse();
        (await ExistsAsync(ns, "owner")).ShouldBeFalse();
    }

    [Fact]
    public async Task Delete_Orphan_LeavesDependentsWithoutTheOwnerReference()
    {
        var (ns, owner) = await OwnerAsync();
        await DependentAsync(ns, "child", owner);

        await dev.OkAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/owner", Propagation("Orphan"));

        (await ExistsAsync(ns, "owner")).ShouldBeFalse();
        var child = await dev.OkAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/child");
        child["metadata"]!["ownerReferences"].ShouldBeNull();
    }

    [Fact]
    public async Task Delete_OneOfTwoOwners_KeepsTheDependentAndDropsTheDanglingReference()
    {
        var (ns, first) = await OwnerAsync();
        var second = await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("second"));
        var extra = Objects.OwnedBy(first.AsObject());
        extra["ownerReferences"]!.AsArray().Add(Objects.OwnedBy(second.AsObject())["ownerReferences"]![0]!.DeepClone());
        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("shared", metadataExtra: extra));

        await dev.OkAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/owner");

        var shared = await dev.OkAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/shared");
        shared["metadata"]!["ownerReferences"]!.AsArray().Select(r => (string?)r!["name"]).ShouldBe(["second"]);
    }

    [Fact]
    public async Task Create_WithOnlyAbsentOwners_IsCollectedAtOnce()
    {
        var (ns, owner) = await OwnerAsync();
        await dev.OkAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/owner");

        // A controller acting on a stale cache writes a child of an owner that is already gone.
        await DependentAsync(ns, "late-child", owner);

        (await ExistsAsync(ns, "late-child")).ShouldBeFalse();
    }

    [Fact]
    public async Task Delete_Namespace_DeletesEverythingInItThenItself()
    {
        var ns = await dev.NewNamespaceAsync();
        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("a"));
        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/secrets", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "s" } });

        await dev.OkAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}");

        (await dev.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}")).Status.ShouldBe(HttpStatusCode.NotFound);
        (await ExistsAsync(ns, "a")).ShouldBeFalse();
        (await dev.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/secrets/s")).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_NamespaceWithAFinalizedObject_StaysTerminatingAndRefusesNewContent()
    {
        var ns = await dev.NewNamespaceAsync();
        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("held", metadataExtra: new JsonObject { ["finalizers"] = new JsonArray("moe.dev/hold") }));

        await dev.OkAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}");

        var terminating = await dev.OkAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}");
        ((string?)terminating["status"]!["phase"]).ShouldBe("Terminating");
        var (refused, body) = await dev.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("late"));
        refused.ShouldBe(HttpStatusCode.Forbidden);
        ((string?)body!["message"])!.ShouldContain("because it is being terminated");

        await dev.OkAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/held", JsonNode.Parse("""{"metadata":{"finalizers":null}}"""), "application/merge-patch+json");

        (await dev.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}")).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_Crd_RemovesItsObjectsAndStopsServingIt()
    {
        var crd = Api.Schema.YamlDocuments.Parse(await File.ReadAllTextAsync(Testing.RepoPaths.Of("crds", "moe.dev_trainingjobs.yaml"))).Single();
        await dev.OkAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        var ns = await dev.NewNamespaceAsync();
        var job = Api.Schema.YamlDocuments.Parse(await File.ReadAllTextAsync(Testing.RepoPaths.Of("crds", "samples", "trainingjob-minimal.yaml"))).Single();
        await dev.OkAsync(HttpMethod.Post, $"/apis/moe.dev/v1alpha1/namespaces/{ns}/trainingjobs", job);

        await dev.OkAsync(HttpMethod.Delete, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/trainingjobs.moe.dev");

        (await dev.SendAsync(HttpMethod.Get, $"/apis/moe.dev/v1alpha1/namespaces/{ns}/trainingjobs")).Status.ShouldBe(HttpStatusCode.NotFound);
        await dev.OkAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        var items = await dev.OkAsync(HttpMethod.Get, $"/apis/moe.dev/v1alpha1/namespaces/{ns}/trainingjobs");
        items["items"]!.AsArray().ShouldBeEmpty("objects of a deleted CRD do not come back with it");
    }
}
