using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Cluster.Controllers;

namespace MoeOperator.DevCluster.Tests.Cluster;

public sealed class StatefulSetTests : IAsyncLifetime, IDisposable
{
    private readonly ClusterSession _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task ThreeReplicas_StartInOrder_AnswerOnTheirPodIps_AndReachEachOtherByName()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/services", Manifests.HeadlessService("web", "web"));
        await _cluster.CreateAsync("/apis/apps/v1/namespaces/{ns}/statefulsets", Manifests.StatefulSet("web", 3, Manifests.PeerContainer(), new JsonArray(new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "data" },
            ["spec"] = new JsonObject { ["accessModes"] = new JsonArray("ReadWriteOnce"), ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } } },
        })));

        await _cluster.WaitForAsync(async () => (int?)(await _cluster.GetAsync("/apis/apps/v1/namespaces/{ns}/statefulsets/web"))?["status"]?["readyReplicas"] == 3, "three ready replicas", TimeSpan.FromSeconds(60));

        var pods = (await _cluster.PodsAsync("app=web")).OrderBy(p => (string?)p["metadata"]!["name"], StringComparer.Ordinal).ToList();
        pods.Select(p => (string?)p["metadata"]!["name"]).ShouldBe(["web-0", "web-1", "web-2"]);
        var started = pods.Select(p => DateTimeOffset.Parse((string)p["status"]!["containerStatuses"]![0]!["state"]!["running"]!["startedAt"]!, CultureInfo.InvariantCulture)).ToList();
        var readySince = pods.Select(p => DateTimeOffset.Parse((string)p["status"]!["conditions"]!.AsArray().First(c => (string?)c!["type"] == "Ready")!["lastTransitionTime"]!, CultureInfo.InvariantCulture)).ToList();
        started[1].ShouldBeGreaterThanOrEqualTo(readySince[0], "web-1 starts only once web-0 is ready");
        started[2].ShouldBeGreaterThanOrEqualTo(readySince[1], "web-2 starts only once web-1 is ready");
        var ips = pods.Select(p => (string)p["status"]!["podIP"]!).ToList();
        ips.Distinct().Count().ShouldBe(3, "each pod has its own address");

        for (var i = 0; i < 3; i++)
        {
            (await _cluster.Http.GetStringAsync(new Uri($"http://{ips[i]}:8080/"))).ShouldBe($"web-{i} {ClusterSession.Ns}");
        }

        (await _cluster.Http.GetStringAsync(new Uri($"http://{ips[0]}:8080/peer?host=web-2.web.{ClusterSession.Ns}.svc"))).ShouldBe($"web-2 {ClusterSession.Ns}", "web-0 reaches web-2 by its headless-service name");
        var claims = await _cluster.GetAsync("/api/v1/namespaces/{ns}/persistentvolumeclaims");
        claims!["items"]!.AsArray().Select(c => (string?)c!["metadata"]!["name"]).Order().ShouldBe(["data-web-0", "data-web-1", "data-web-2"]);
        claims["items"]!.AsArray().ShouldAllBe(c => (string?)c!["status"]!["phase"] == "Bound");
        pods.ShouldAllBe(p => (string?)p["metadata"]!["labels"]![StatefulSetController.PodNameLabel] == (string?)p["metadata"]!["name"]);
        _cluster.ShouldHaveNoComponentErrors();
    }
}
