using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MoeOperator.Runtime.Client;

namespace MoeOperator.Runtime.Tests.Client;

/// <summary>Create-or-update of children against the dev API server.</summary>
public sealed class ChildWriterTests : IAsyncLifetime
{
    private const string Ns = "writer";
    private const string Path = $"/api/v1/namespaces/{Ns}/configmaps";
    private DevClusterSession _session = null!;

    public async Task InitializeAsync() => _session = await DevClusterSession.StartAsync(Ns);

    public async Task DisposeAsync() => await _session.DisposeAsync();

    private static JsonObject Desired(string value) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = "child", ["namespace"] = Ns },
        ["data"] = new JsonObject { ["value"] = value },
    };

    [Fact]
    public async Task AChildOfTheSameNameBeingDeleted_IsLeftAlone_AndCreatedAfreshOnceGone()
    {
        var writer = new ChildWriter(new KubernetesJsonClient(_session.Client));
        await _session.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "child", Finalizers = ["test/hold"] },
            Data = new Dictionary<string, string> { ["value"] = "old" },
        }, Ns);
        await _session.Client.CoreV1.DeleteNamespacedConfigMapAsync("child", Ns);

        (await writer.EnsureAsync(Path, Desired("new"), cached: null, CancellationToken.None)).ShouldBe(ChildOutcome.Terminating);
        var dying = await _session.Client.CoreV1.ReadNamespacedConfigMapAsync("child", Ns);
        dying.Data["value"].ShouldBe("old", "a write to a dying object would be lost with it");

        await _session.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "child", Ns);
        (await writer.EnsureAsync(Path, Desired("new"), cached: null, CancellationToken.None)).ShouldBe(ChildOutcome.Created);
        (await _session.Client.CoreV1.ReadNamespacedConfigMapAsync("child", Ns)).Data["value"].ShouldBe("new");
        (await writer.EnsureAsync(Path, Desired("new"), cached: null, CancellationToken.None)).ShouldBe(ChildOutcome.Unchanged);
    }

    // A child controlled by a real object (the garbage collector deletes children of owners that do not exist).
    private async Task<JsonObject> OwnedByAsync(JsonObject child, string owner)
    {
        var created = await _session.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = owner } }, Ns);
        child["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["name"] = owner, ["uid"] = created.Metadata.Uid, ["controller"] = true });
        return child;
    }

    [Fact]
    public async Task AnotherResourcesChildOfTheSameName_IsNeverTakenOver_ButAnOrphanIsAdopted()
    {
        var writer = new ChildWriter(new KubernetesJsonClient(_session.Client));
        (await writer.EnsureAsync(Path, await OwnedByAsync(Desired("theirs"), "job"), cached: null, CancellationToken.None)).ShouldBe(ChildOutcome.Created);
        var mine = await OwnedByAsync(Desired("mine"), "group");

        var refused = await Should.ThrowAsync<ApiRequestException>(() => writer.EnsureAsync(Path, mine, cached: null, CancellationToken.None));

        refused.RefusedCreate.ShouldBe("Error creating: ConfigMap \"child\" already exists and is controlled by ConfigMap \"job\", not by ConfigMap \"group\": give one of them another name");
        (await _session.Client.CoreV1.ReadNamespacedConfigMapAsync("child", Ns)).Data["value"].ShouldBe("theirs", "the other resource's child is untouched");

        await _session.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"ownerReferences":null}}""", V1Patch.PatchType.MergePatch), "child", Ns);
        (await writer.EnsureAsync(Path, mine, cached: null, CancellationToken.None)).ShouldBe(ChildOutcome.Updated);
        var adopted = await _session.Client.CoreV1.ReadNamespacedConfigMapAsync("child", Ns);
        (adopted.Data["value"], adopted.Metadata.OwnerReferences.Single().Name).ShouldBe(("mine", "group"));
    }
}
