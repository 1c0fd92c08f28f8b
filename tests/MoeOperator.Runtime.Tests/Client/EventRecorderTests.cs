using System.Text.Json.Nodes;
using k8s;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Runtime.Client;

namespace MoeOperator.Runtime.Tests.Client;

public sealed class EventRecorderTests
{
    [Fact]
    public async Task Record_CreatesAnEventsV1EventAboutTheObject()
    {
        await using var server = await DevApiServer.StartAsync(new DevApiServerOptions());
        using var kubernetes = new Kubernetes(server.ClientConfiguration());
        var json = new KubernetesJsonClient(kubernetes);
        var (_, created) = await json.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", JsonNode.Parse("""{"metadata":{"name":"group-a"}}"""));
        var recorder = new EventRecorder(json, "moe-operator", "operator-0", TimeProvider.System);

        await recorder.RecordAsync(created!.AsObject(), warning: true, "RankFailed", "Restart", "rank 3 exited with code 137; restarting the group in 10s", CancellationToken.None);

        var (_, events) = await json.SendAsync(HttpMethod.Get, "/apis/events.k8s.io/v1/namespaces/default/events");
        var recorded = events!["items"]!.AsArray().ShouldHaveSingleItem()!;
        ((string?)recorded["reason"]).ShouldBe("RankFailed");
        ((string?)recorded["type"]).ShouldBe("Warning");
        ((string?)recorded["regarding"]!["name"]).ShouldBe("group-a");
        ((string?)recorded["regarding"]!["uid"]).ShouldBe((string?)created["metadata"]!["uid"]);
        ((string?)recorded["metadata"]!["name"])!.ShouldStartWith("group-a.");
    }
}
