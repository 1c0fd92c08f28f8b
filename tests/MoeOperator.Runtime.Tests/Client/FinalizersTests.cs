using System.Net;
using System.Text.Json.Nodes;
using k8s;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Runtime.Client;

namespace MoeOperator.Runtime.Tests.Client;

public sealed class FinalizersTests
{
    private const string Finalizer = "moe.dev/data-retention";

    [Fact]
    public void Patches_AreNullWhenThereIsNothingToDo()
    {
        var without = JsonNode.Parse("""{"metadata":{"resourceVersion":"5"}}""")!.AsObject();
        var with = JsonNode.Parse("""{"metadata":{"resourceVersion":"5","finalizers":["other","moe.dev/data-retention"]}}""")!.AsObject();

        Finalizers.AddPatch(with, Finalizer).ShouldBeNull();
        Finalizers.RemovePatch(without, Finalizer).ShouldBeNull();
        Finalizers.AddPatch(without, Finalizer)!.ToJsonString().ShouldBe(
            """[{"op":"test","path":"/metadata/resourceVersion","value":"5"},{"op":"add","path":"/metadata/finalizers","value":["moe.dev/data-retention"]}]""");
        Finalizers.RemovePatch(with, Finalizer)!.ToJsonString().ShouldBe(
            """[{"op":"test","path":"/metadata/resourceVersion","value":"5"},{"op":"test","path":"/metadata/finalizers/1","value":"moe.dev/data-retention"},{"op":"remove","path":"/metadata/finalizers/1"}]""");
    }

    [Fact]
    public async Task AddDeleteRemove_OnTheDevServer_HoldsThenReleasesTheObject_AndAStaleViewIsRefused()
    {
        await using var server = await DevApiServer.StartAsync(new DevApiServerOptions());
        using var kubernetes = new Kubernetes(server.ClientConfiguration());
        var json = new KubernetesJsonClient(kubernetes);
        const string Path = "/api/v1/namespaces/default/configmaps";
        var (_, created) = await json.SendAsync(HttpMethod.Post, Path, JsonNode.Parse("""{"metadata":{"name":"cluster-data"}}"""));

        var (added, withFinalizer) = await json.SendAsync(HttpMethod.Patch, $"{Path}/cluster-data", Finalizers.AddPatch(created!.AsObject(), Finalizer), "application/json-patch+json");
        var (stale, _) = await json.SendAsync(HttpMethod.Patch, $"{Path}/cluster-data", Finalizers.AddPatch(created.AsObject(), "moe.dev/other"), "application/json-patch+json");
        await json.SendAsync(HttpMethod.Delete, $"{Path}/cluster-data");
        var (_, deleting) = await json.SendAsync(HttpMethod.Get, $"{Path}/cluster-data");
        var (removed, _) = await json.SendAsync(HttpMethod.Patch, $"{Path}/cluster-data", Finalizers.RemovePatch(deleting!.AsObject(), Finalizer), "application/json-patch+json");
        var (gone, _) = await json.SendAsync(HttpMethod.Get, $"{Path}/cluster-data");

        added.ShouldBe(HttpStatusCode.OK);
        Finalizers.Has(withFinalizer!.AsObject(), Finalizer).ShouldBeTrue();
        stale.ShouldBe(HttpStatusCode.UnprocessableEntity, "a patch built from an old resourceVersion must not apply");
        deleting["metadata"]!["deletionTimestamp"].ShouldNotBeNull();
        removed.ShouldBe(HttpStatusCode.OK);
        gone.ShouldBe(HttpStatusCode.NotFound);
    }
}
