using System.Net;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Tests.Integration;

public sealed class FaultAndConcurrencyTests(DevServer dev) : IClassFixture<DevServer>
{
    [Fact]
    public async Task FailNext_FailsExactlyThatManyMatchingRequests()
    {
        var ns = await dev.NewNamespaceAsync();
        dev.Server.Faults.FailNext("create", "configmaps", 500, count: 2);

        var first = await dev.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("a"));
        var other = await dev.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/secrets", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "s" } });
        var second = await dev.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("a"));
        var third = await dev.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("a"));

        first.Status.ShouldBe(HttpStatusCode.InternalServerError);
        ((string?)first.Body!["reason"]).ShouldBe("InternalError");
        other.Status.ShouldBe(HttpStatusCode.Created);
        second.Status.ShouldBe(HttpStatusCode.InternalServerError);
        third.Status.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Requests_AreCountedByVerbAndResource()
    {
        var ns = await dev.NewNamespaceAsync();
        var before = dev.Server.Requests.Writes("configmaps");

        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("a"));
        await dev.OkAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/a");
        await dev.OkAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/a");

        (dev.Server.Requests.Writes("configmaps") - before).ShouldBe(2);
    }

    [Fact]
    public async Task StalledWatch_DeliversNothingUntilReleased()
    {
        var ns = await dev.NewNamespaceAsync();
        await using var watch = await WatchReader.OpenAsync(dev, $"/api/v1/namespaces/{ns}/configmaps?watch=true");
        dev.Server.Faults.WatchesStalled = true;
        try
        {
            await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("a"));
            await Should.ThrowAsync<TimeoutException>(() => watch.NextAsync(TimeSpan.FromMilliseconds(700)));
        }
        finally
        {
            dev.Server.Faults.WatchesStalled = false;
        }

        var arrived = await watch.NextAsync();
        ((string?)arrived!["object"]!["metadata"]!["name"]).ShouldBe("a");
    }

    [Fact]
    public async Task ManyWritersAndWatchers_EveryWatcherSeesEveryChangeInOrder()
    {
        const int Writers = 8;
        const int PerWriter = 25;
        var ns = await dev.NewNamespaceAsync();
        var start = await dev.OkAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps");
        var watchers = new List<WatchReader>();
        for (var i = 0; i < 4; i++)
        {
            watchers.Add(await WatchReader.OpenAsync(dev, $"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={start["metadata"]!["resourceVersion"]}"));
        }

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap($"w{w}-{i}"));
            }
        })));

        foreach (var watcher in watchers)
        {
            var seen = new List<JsonNode>();
            await watcher.UntilAsync(e =>
            {
                seen.Add(e);
                return seen.Count == Writers * PerWriter;
            }, timeout: TimeSpan.FromSeconds(30));
            seen.Select(e => (string)e["object"]!["metadata"]!["name"]!).Distinct().Count().ShouldBe(Writers * PerWriter);
            seen.Select(e => long.Parse((string)e["object"]!["metadata"]!["resourceVersion"]!)).ShouldBeInOrder(SortDirection.Ascending);
            await watcher.DisposeAsync();
        }
    }
}
