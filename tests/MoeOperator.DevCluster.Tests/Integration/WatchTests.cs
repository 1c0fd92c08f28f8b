using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace MoeOperator.DevCluster.Tests.Integration;

public sealed class WatchTests(DevServer dev) : IClassFixture<DevServer>
{
    private static string Name(JsonNode e) => (string)e["object"]!["metadata"]!["name"]!;

    private static string Type(JsonNode e) => (string)e["type"]!;

    [Fact]
    public async Task Watch_FromAResourceVersion_ReplaysExactlyTheLaterChangesInOrder()
    {
        var ns = await dev.NewNamespaceAsync();
        var before = await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("before"));
        var rv = (string)before["metadata"]!["resourceVersion"]!;
        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("a"));
        await dev.OkAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/a", JsonNode.Parse("""{"data":{"k":"2"}}"""), "application/merge-patch+json");
        await dev.OkAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/before");

        await using var watch = await WatchReader.OpenAsync(dev, $"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={rv}");
        var events = await watch.UntilAsync(e => Type(e) == "DELETED");

        events.Select(e => $"{Type(e)} {Name(e)}").ShouldBe(["ADDED a", "MODIFIED a", "DELETED before"]);
        events.Select(e => long.Parse((string)e["object"]!["metadata"]!["resourceVersion"]!)).ShouldBeInOrder();
    }

    [Fact]
    public async Task Watch_WithoutAResourceVersion_StartsWithTheCurrentObjects()
    {
        var ns = await dev.NewNamespaceAsync();
        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("existing"));

        await using var watch = await WatchReader.OpenAsync(dev, $"/api/v1/namespaces/{ns}/configmaps?watch=true");
        var first = await watch.NextAsync();
        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("new"));
        var second = await watch.NextAsync();

        $"{Type(first!)} {Name(first!)}".ShouldBe("ADDED existing");
        $"{Type(second!)} {Name(second!)}".ShouldBe("ADDED new");
    }

    [Fact]
    public async Task Watch_FromACompactedResourceVersion_AnswersAnExpiredError()
    {
        var ns = await dev.NewNamespaceAsync();
        var old = await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("old"));
        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("newer"));
        dev.Server.Faults.CompactHistory();

        await using var watch = await WatchReader.OpenAsync(dev, $"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={old["metadata"]!["resourceVersion"]}");
        var error = await watch.NextAsync();

        Type(error!).ShouldBe("ERROR");
        ((int)error!["object"]!["code"]!).ShouldBe(410);
        ((string?)error["object"]!["reason"]).ShouldBe("Expired");
        (await watch.NextAsync()).ShouldBeNull("the stream ends after the error");
    }

    [Fact]
    public async Task Watch_WithBookmarks_GetsBookmarksCarryingTheCurrentResourceVersion()
    {
        var ns = await dev.NewNamespaceAsync();
        var created = await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("c"));

        await using var watch = await WatchReader.OpenAsync(dev, $"/api/v1/namespaces/{ns}/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion={created["metadata"]!["resourceVersion"]}");
        var events = await watch.UntilAsync(e => Type(e) == "BOOKMARK", includeBookmarks: true);

        var bookmark = events[^1]["object"]!;
        ((string?)bookmark["kind"]).ShouldBe("ConfigMap");
        long.Parse((string)bookmark["metadata"]!["resourceVersion"]!).ShouldBeGreaterThanOrEqualTo(long.Parse((string)created["metadata"]!["resourceVersion"]!));
    }

    [Fact]
    public async Task Watch_WithSendInitialEvents_EndsTheInitialObjectsWithAnAnnotatedBookmark()
    {
        var ns = await dev.NewNamespaceAsync();
        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("a"));
        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("b"));

        await using var watch = await WatchReader.OpenAsync(dev, $"/api/v1/namespaces/{ns}/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
        var events = await watch.UntilAsync(e => Type(e) == "BOOKMARK", includeBookmarks: true);

        events.Select(Type).ShouldBe(["ADDED", "ADDED", "BOOKMARK"]);
        ((string?)events[2]["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]).ShouldBe("true");
    }

    [Fact]
    public async Task Watch_WithALabelSelector_SeesObjectsEnterAndLeaveTheSelection()
    {
        var ns = await dev.NewNamespaceAsync();
        await using var watch = await WatchReader.OpenAsync(dev, $"/api/v1/namespaces/{ns}/configmaps?watch=true&labelSelector=team%3Dep");
        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("other"));
        await dev.OkAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Objects.ConfigMap("x", new() { ["team"] = "ep" }));
        await dev.OkAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/x", JsonNode.Parse("""{"metadata":{"labels":{"team":"tfs"}}}"""), "application/merge-patch+json");
        await dev.OkAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/other", JsonNode.Parse("""{"metadata":{"labels":{"team":"ep"}}}"""), "application/merge-patch+json");

        var events = await watch.UntilAsync(e => Name(e) == "other");

        events.Select(e => $"{Type(e)} {Name(e)}").ShouldBe(["ADDED x", "DELETED x", "ADDED other"]);
    }

    [Fact]
    public async Task Watch_ClosedByTheServer_ResumesWithKubernetesClientWithoutMissingAnUpdate()
    {
        var ns = await dev.NewNamespaceAsync();
        var list = await dev.Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        var seen = new List<string>();
        var received = new SemaphoreSlim(0);
        var resourceVersion = list.Metadata.ResourceVersion;

        async Task WatchOnceAsync(CancellationToken token)
        {
            await foreach (var (type, item) in dev.Client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: resourceVersion, cancellationToken: token))
            {
                resourceVersion = item.Metadata.ResourceVersion;
                lock (seen)
                {
                    seen.Add($"{type} {item.Metadata.Name}");
                }

                received.Release();
            }
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var first = WatchOnceAsync(stop.Token);
        await dev.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "one" } }, ns);
        (await received.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBeTrue();

        dev.Server.Faults.CloseWatches("configmaps");
        await first;
        await dev.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "two" } }, ns);
        var second = WatchOnceAsync(stop.Token);
        (await received.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBeTrue("the update made while no watch was open arrives after resuming");
        await stop.CancelAsync();
        try
        {
            await second;
        }
        catch (OperationCanceledException)
        {
            // Cancelling is how this test ends the second watch.
        }

        seen.ShouldBe(["Added one", "Added two"]);
    }
}
