using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Runtime.Informers;
using MoeOperator.Testing;

namespace MoeOperator.Runtime.Tests.Informers;

/// <summary>The informer against the dev API server over HTTPS, with injected faults.</summary>
public sealed class InformerOnDevClusterTests : IAsyncLifetime
{
    private const string Ns = "inform";
    private readonly ConcurrentQueue<string> _events = new();
    private DevClusterSession _session = null!;
    private Informer _informer = null!;

    public async Task InitializeAsync()
    {
        _session = await DevClusterSession.StartAsync(Ns, new DevApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        await CreateAsync("a");
        var source = new KubernetesListWatchSource(_session.Client, $"/api/v1/namespaces/{Ns}/configmaps", pageSize: 2);
        _informer = new Informer("configmaps", source, new InformerOptions { InitialReconnectDelay = TimeSpan.FromMilliseconds(50) }, TimeProvider.System);
        _informer.AddHandler(e => _events.Enqueue($"{e.Type} {e.Object["metadata"]!["name"]}"));
        _session.Run(_informer.RunAsync);
        await _informer.Synced.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.HoldsAsync(() => _session.Server.Service.Store.WatchCount == 1, "the informer's watch to open");
    }

    public async Task DisposeAsync() => await _session.DisposeAsync();

    private Task<V1ConfigMap> CreateAsync(string name) =>
        _session.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name } }, Ns);

    private bool Cached(string name) => _informer.Cache.Get(new(Ns, name)) is not null;

    [Fact]
    public async Task Informer_FollowsCreatesUpdatesAndDeletes()
    {
        await CreateAsync("b");
        await _session.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"k":"v"}}""", V1Patch.PatchType.MergePatch), "b", Ns);
        await _session.Client.CoreV1.DeleteNamespacedConfigMapAsync("a", Ns);

        await Eventually.HoldsAsync(() => _events.Count == 4, "four events");

        _events.ToList().ShouldBe(["Added a", "Added b", "Updated b", "Deleted a"]);
        Cached("a").ShouldBeFalse();
        ((string?)_informer.Cache.Get(new(Ns, "b"))!["data"]!["k"]).ShouldBe("v");
    }

    [Fact]
    public async Task DroppedWatch_IsResumedWithoutMissingAnUpdateOrRelisting()
    {
        var lists = _session.Server.Requests.Count("list", "configmaps");

        _session.Server.Faults.CloseWatches("configmaps");
        await CreateAsync("made-while-reconnecting");

        await Eventually.HoldsAsync(() => Cached("made-while-reconnecting"), "the object created across the reconnect");
        _session.Server.Requests.Count("list", "configmaps").ShouldBe(lists, "a resumed watch needs no relist");
        _session.Server.Requests.Count("watch", "configmaps").ShouldBeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task Expired_IsRecoveredByARelistThatAlsoReportsDeletions()
    {
        var lists = _session.Server.Requests.Count("list", "configmaps");
        _session.Server.Faults.WatchesStalled = true;
        // A change the informer does not see, then compaction past it: its resourceVersion is now too old.
        await CreateAsync("b");
        _session.Server.Faults.CompactHistory();
        await CreateAsync("c");
        await _session.Client.CoreV1.DeleteNamespacedConfigMapAsync("a", Ns);

        _session.Server.Faults.CloseWatches("configmaps");
        _session.Server.Faults.WatchesStalled = false;

        await Eventually.HoldsAsync(() => Cached("b") && Cached("c") && !Cached("a"), "the relisted state");
        _session.Server.Requests.Count("list", "configmaps").ShouldBe(lists + 1, "410 Expired makes the informer relist once");
        _events.ToList().ShouldContain("Deleted a", "the relist reports what vanished while the informer could not watch");
    }
}
