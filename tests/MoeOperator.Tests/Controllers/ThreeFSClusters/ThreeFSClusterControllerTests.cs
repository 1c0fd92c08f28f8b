using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.ThreeFS;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

/// <summary>
/// The sample ThreeFSCluster on the dev cluster, whose 3FS image runs the simulator behind admin_cli: bootstrap in
/// upstream's order, a killed storage daemon seen degraded and then recovered, and deletion that keeps the data.
/// </summary>
[Collection(ThreeFSDevClusterCollection.Name)]
public sealed class ThreeFSClusterControllerTests : IAsyncLifetime
{
    private const string Ns = "storage";
    private const string Name = "tfs-minimal";
    private ThreeFSDevCluster _tfs = null!;

    public async Task InitializeAsync() => _tfs = await ThreeFSDevCluster.StartAsync(Ns, syncDuration: TimeSpan.FromSeconds(6));

    public async Task DisposeAsync() => await _tfs.DisposeAsync();

    private static JsonObject Sample() => YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", "threefscluster-minimal.yaml"))).Single();

    private static JsonNode? Condition(JsonNode? status, string type) => status?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type);

    private static int Chains(JsonNode? status, string state) => (int?)status?["chains"]?[state] ?? -1;

    [Fact]
    public async Task TheSample_BootstrapsInUpstreamsOrder_RecoversAKilledStorageDaemon_KeepsItsDataWhenDeleted_AndAdoptsItWhenCreatedAgain()
    {
        await _tfs.CreateAsync(Sample());

        var ready = await _tfs.WaitForStatusAsync(Name, s => (string?)s?["phase"] == "Ready", "the cluster to be Ready", TimeSpan.FromSeconds(180));
        ready["completedBootstrapSteps"]!.AsArray().Select(s => (string?)s).ShouldBe(
            ["check-fdb-version", "init-cluster", "mgmtd", "set-config-meta", "meta", "set-config-storage", "storage", "root-user", "create-targets", "upload-chains", "upload-chain-table", "set-config-fuse", "clients"]);
        Chains(ready, "total").ShouldBe(16, "3 nodes x 2 disks x 8 targets / 3 replicas");
        Chains(ready, "serving").ShouldBe(16);
        ready["members"]!.AsArray().Count(m => (string?)m!["component"] == "storage").ShouldBe(3);
        var store = new SimStore(Path.Combine(_tfs.SimDirectory, "dev-3fs"), SimTimings.Default);
        store.Read()!.Initialized.ShouldBeTrue();
        (await _tfs.ListAsync("secrets")).Select(s => (string?)s["metadata"]!["name"]).ShouldContain(ThreeFSNames.TokenSecret(Name));

        _tfs.Cluster.KillContainer(Ns, ThreeFSNames.ServerPod(Name, ThreeFSComponent.Storage, 10002)).ShouldBeTrue();
        var degraded = await _tfs.WaitForStatusAsync(Name, s => Chains(s, "degraded") > 0, "chains degraded after the kill", TimeSpan.FromSeconds(30));
        ((string?)degraded["phase"]).ShouldBe("Degraded");
        Chains(degraded, "unavailable").ShouldBe(0, "two replicas of every chain still serve");
        var recovered = await _tfs.WaitForStatusAsync(Name, s => (string?)s?["phase"] == "Ready" && Chains(s, "serving") == 16, "the chains to serve again", TimeSpan.FromSeconds(60));
        recovered["targets"]!["serving"]!.GetValue<int>().ShouldBe(48);
        var history = store.History();
        history.ShouldContain(t => t.NodeId == 10002 && t.To == TargetStates.Syncing);
        history.Where(t => t.NodeId == 10002).Last().To.ShouldBe(TargetStates.Serving);

        // The managed database's only process killed until it backs off: status says FoundationDB is unreachable
        // (what the FoundationDB alert reads), then available again once the kubelet has restarted it.
        var database = $"{FoundationDBBuilder.Name(Name)}-0";
        var lastKill = DateTimeOffset.MinValue;
        var unreachable = await _tfs.WaitForStatusAsync(
            Name,
            s =>
            {
                // Killed again every few seconds (a restart comes sooner than a slow machine's reconcile might).
                if (DateTimeOffset.UtcNow - lastKill > TimeSpan.FromSeconds(3) && _tfs.Cluster.KillContainer(Ns, database))
                {
                    lastKill = DateTimeOffset.UtcNow;
                }

                return (string?)Condition(s, "FoundationDB")?["status"] == "False";
            },
            "the FoundationDB condition to turn False while its process is down",
            TimeSpan.FromSeconds(60));
        ((string?)Condition(unreachable, "FoundationDB")!["reason"]).ShouldBe("NoProcessReady");
        ((string?)Condition(unreachable, "FoundationDB")!["message"]).ShouldStartWith($"none of the 1 FoundationDB processes ({FoundationDBBuilder.Name(Name)}) is ready");
        await _tfs.WaitForStatusAsync(Name, s => (string?)Condition(s, "FoundationDB")?["status"] == "True", "the FoundationDB condition to return once the process restarted", TimeSpan.FromSeconds(180));

        var (code, _) = await _tfs.Json.SendAsync(HttpMethod.Delete, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/threefsclusters/{Name}");
        ((int)code).ShouldBeInRange(200, 202);
        await Eventually.HoldsAsync(async () => await _tfs.GetAsync(Name) is null, "the cluster to be gone", TimeSpan.FromSeconds(30));
        var retained = (await _tfs.ListAsync("events")).Concat(await EventsV1Async()).Select(e => (string?)e["note"] ?? (string?)e["message"]).OfType<string>().ToList();
        retained.ShouldContain(n => n.Contains("deletionPolicy Retain: kept the data directories /data/3fs/disk0/3fs, /data/3fs/disk1/3fs", StringComparison.Ordinal));
        Directory.EnumerateDirectories(Path.Combine(_tfs.HostPaths, "data", "3fs", "disk0", "3fs")).Count().ShouldBeGreaterThan(0, "the targets' directories stay");
        (await _tfs.ListAsync("secrets")).Select(s => (string?)s["metadata"]!["name"]).ShouldContain(ThreeFSNames.TokenSecret(Name), "the admin token outlives the cluster");

        // Created again over the retained data: FoundationDB already holds dev-3fs, so init-cluster adopts it, the
        // retained chain table is verified instead of created again, and the cluster serves the same 48 targets.
        var before = store.Read()!;
        await _tfs.CreateAsync(Sample());
        var adopted = await _tfs.WaitForStatusAsync(Name, s => (string?)s?["phase"] == "Ready", "the cluster created again to be Ready over its data", TimeSpan.FromSeconds(180));
        ((bool?)adopted["adoptedData"]).ShouldBe(true);
        adopted["completedBootstrapSteps"]!.AsArray().Count.ShouldBe(13);
        Chains(adopted, "serving").ShouldBe(16);
        var after = store.Read()!;
        after.Targets.Keys.ShouldBe(before.Targets.Keys, "the same targets, none created anew");
        after.ChainTableVersions.ShouldBe(before.ChainTableVersions, "the chain table was not uploaded again");
        var notes = (await EventsV1Async()).Select(e => (string?)e["note"]).OfType<string>().ToList();
        notes.ShouldContain(n => n.Contains("FoundationDB already holds 3FS cluster dev-3fs", StringComparison.Ordinal));
        notes.ShouldContain(n => n.Contains("kept the chain table FoundationDB holds (16 chains and 48 targets, as planned)", StringComparison.Ordinal));
        (await _tfs.ListAsync("secrets")).Single(s => (string?)s["metadata"]!["name"] == ThreeFSNames.TokenSecret(Name))["metadata"]!["ownerReferences"]!.AsArray()
            .ShouldHaveSingleItem()!["uid"]!.GetValue<string>().ShouldBe((string)(await _tfs.GetAsync(Name))!["metadata"]!["uid"]!, "the released token is the new cluster's again");

        // Another cluster id over the same FoundationDB (its retained cluster file) must not start on that data.
        var other = Sample();
        other["metadata"]!["name"] = "tfs-other";
        other["spec"]!["clusterId"] = "other-3fs";
        other["spec"]!["foundationDB"] = new JsonObject
        {
            ["external"] = new JsonObject { ["clusterFileSecret"] = new JsonObject { ["name"] = ThreeFSNames.ManagedClusterFileSecret(Name), ["key"] = ThreeFSNames.ClusterFileKey } },
            ["version"] = "7.3.63",
        };
        await _tfs.CreateAsync(other);
        var refused = await _tfs.WaitForStatusAsync("tfs-other", s => (string?)s?["phase"] == "Failed", "the other cluster id to be refused", TimeSpan.FromSeconds(120));
        var bootstrapped = refused["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "Bootstrapped")!;
        ((string?)bootstrapped["reason"]).ShouldBe("ClusterIdMismatch");
        ((string?)bootstrapped["message"] ?? "").ShouldContain("holds 3FS cluster dev-3fs");
        ((string?)bootstrapped["message"] ?? "").ShouldContain("spec.clusterId is other-3fs");
        store.Read()!.ClusterId.ShouldBe("dev-3fs", "the retained data is untouched");
    }

    private async Task<List<JsonObject>> EventsV1Async()
    {
        var (_, body) = await _tfs.Json.SendAsync(HttpMethod.Get, $"/apis/events.k8s.io/v1/namespaces/{Ns}/events");
        return [.. body?["items"]?.AsArray().OfType<JsonObject>() ?? []];
    }

    [Fact]
    public async Task AnImageUpgrade_RestartsOneDaemonAtATime_AndNeverTakesTwoReplicasOfAChainDown()
    {
        await _tfs.CreateAsync(Sample());
        var ready = await _tfs.WaitForStatusAsync(Name, s => (string?)s?["phase"] == "Ready" && s?["observedGeneration"] is not null, "the cluster to be Ready", TimeSpan.FromSeconds(180));
        ((long?)ready["observedGeneration"]).ShouldBe(1);
        var store = new SimStore(Path.Combine(_tfs.SimDirectory, "dev-3fs"), SimTimings.Default);
        var before = store.History().Count;

        var patch = new JsonObject { ["spec"] = new JsonObject { ["image"] = "ghcr.io/moe-operator/3fs:0.2.0" } };
        var (code, body) = await _tfs.Json.SendAsync(HttpMethod.Patch, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/threefsclusters/{Name}", patch, "application/merge-patch+json");
        ((int)code).ShouldBe(200, body?.ToJsonString());

        var upgrading = await _tfs.WaitForStatusAsync(Name, s => (string?)s?["phase"] == "Upgrading", "the rolling restart to start", TimeSpan.FromSeconds(30));
        ((long?)upgrading["observedGeneration"]).ShouldBe(1, "generation 2 is not in effect while daemons still run the old image");
        var done = await _tfs.WaitForStatusAsync(
            Name,
            s => (string?)s?["phase"] == "Ready" && s?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == "Upgrading" && (string?)c?["status"] == "False") == true,
            "every daemon upgraded and every chain serving",
            TimeSpan.FromSeconds(180));
        Chains(done, "serving").ShouldBe(16);
        ((long?)done["observedGeneration"]).ShouldBe(2);
        var daemons = (await _tfs.ListAsync("pods", $"{ThreeFSNames.ClusterLabel}={Name}"))
            .Where(p => (string?)p["metadata"]!["labels"]![ThreeFSNames.ComponentLabel] is "mgmtd" or "meta" or "storage")
            .ToList();
        daemons.Count.ShouldBe(5);
        daemons.ShouldAllBe(p => (string?)p["spec"]!["containers"]![0]!["image"] == "ghcr.io/moe-operator/3fs:0.2.0");
        var clients = (await _tfs.ListAsync("pods", $"{ThreeFSNames.ClusterLabel}={Name}"))
            .Where(p => (string?)p["metadata"]!["labels"]![ThreeFSNames.ComponentLabel] == "fuse" && p["metadata"]!["deletionTimestamp"] is null)
            .ToList();
        clients.ShouldNotBeEmpty();
        clients.ShouldAllBe(p => (string?)p["spec"]!["containers"]![0]!["image"] == "ghcr.io/moe-operator/3fs:0.2.0", "the FUSE clients roll to the new image too");

        // Moving the clients to the nodes of one leaf rolls the FUSE DaemonSet there; generation 3 is in effect once it has.
        var selector = new JsonObject { ["spec"] = new JsonObject { ["clients"] = new JsonObject { ["nodeSelector"] = new JsonObject { [NodeBuilder.LeafLabel] = "leaf-0" } } } };
        ((int)(await _tfs.Json.SendAsync(HttpMethod.Patch, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/threefsclusters/{Name}", selector, "application/merge-patch+json")).Status).ShouldBe(200);
        await _tfs.WaitForStatusAsync(Name, s => (long?)s?["observedGeneration"] == 3, "the clients to move to leaf-0", TimeSpan.FromSeconds(120));
        var moved = (await _tfs.ListAsync("pods", $"{ThreeFSNames.ClusterLabel}={Name}"))
            .Where(p => (string?)p["metadata"]!["labels"]![ThreeFSNames.ComponentLabel] == "fuse" && p["metadata"]!["deletionTimestamp"] is null)
            .Select(p => (string?)p["spec"]!["nodeName"]).Order().ToList();
        moved.ShouldBe([NodeBuilder.NameOf(0), NodeBuilder.NameOf(1)], "leaf-0 holds nodes 0 and 1");

        // Replay the simulator's record of the upgrade: every chain started fully serving, and at no moment did
        // more than one of its replicas stop serving.
        var upgrade = store.History().Skip(before).ToList();
        upgrade.Where(t => t.To == TargetStates.Offline).Select(t => t.NodeId).Distinct().Order().ToList().ShouldBe(new List<long> { 10001, 10002, 10003 }, "each storage node was restarted");
        var down = new Dictionary<long, HashSet<long>>();
        foreach (var change in upgrade.Where(t => t.ChainId is not null))
        {
            var chain = down.TryGetValue(change.ChainId!.Value, out var set) ? set : down[change.ChainId.Value] = [];
            if (change.To == TargetStates.Serving)
            {
                chain.Remove(change.TargetId);
            }
            else
            {
                chain.Add(change.TargetId);
            }

            chain.Count.ShouldBeLessThanOrEqualTo(1, $"chain {change.ChainId} had {string.Join(", ", chain)} down at {change.Time:O}");
        }

        // A storage config and resources change rolls the storage daemons alone, one at a time, with the new config;
        // generation 4 is in effect only once all three run it.
        var servers = (await _tfs.ListAsync("pods", $"{ThreeFSNames.ClusterLabel}={Name}"))
            .Where(p => (string?)p["metadata"]!["labels"]![ThreeFSNames.ComponentLabel] is "mgmtd" or "meta")
            .ToDictionary(p => (string)p["metadata"]!["name"]!, p => (string?)p["metadata"]!["uid"]);
        var rolledFrom = store.History().Count;
        var storagePatch = new JsonObject { ["spec"] = new JsonObject { ["storage"] = new JsonObject { ["enableIoUring"] = false, ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["memory"] = "3Gi" } } } } };
        ((int)(await _tfs.Json.SendAsync(HttpMethod.Patch, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/threefsclusters/{Name}", storagePatch, "application/merge-patch+json")).Status).ShouldBe(200);
        var rolling = await _tfs.WaitForStatusAsync(Name, s => (string?)s?["phase"] == "Upgrading", "the storage roll to start", TimeSpan.FromSeconds(30));
        ((long?)rolling["observedGeneration"]).ShouldBe(3, "generation 4 is not in effect while storage daemons run the old config");
        var rolled = await _tfs.WaitForStatusAsync(Name, s => (long?)s?["observedGeneration"] == 4, "every storage daemon restarted with the new config", TimeSpan.FromSeconds(180));
        Chains(rolled, "serving").ShouldBe(16);
        var storage = (await _tfs.ListAsync("pods", $"{ThreeFSNames.ClusterLabel}={Name}"))
            .Where(p => (string?)p["metadata"]!["labels"]![ThreeFSNames.ComponentLabel] == "storage")
            .ToList();
        storage.Count.ShouldBe(3);
        storage.ShouldAllBe(p => (string?)p["spec"]!["containers"]![0]!["resources"]!["limits"]!["memory"] == "3Gi");
        (await _tfs.ListAsync("pods", $"{ThreeFSNames.ClusterLabel}={Name}"))
            .Where(p => servers.ContainsKey((string)p["metadata"]!["name"]!))
            .ShouldAllBe(p => (string?)p["metadata"]!["uid"] == servers[(string)p["metadata"]!["name"]!], "mgmtd and meta are not restarted for a storage change");
        var (_, storageConfig) = await _tfs.Json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Ns}/configmaps/{ThreeFSNames.ConfigMap(Name, ThreeFSComponent.Storage)}");
        ((string?)storageConfig!["data"]!["storage_main.toml"]).ShouldNotBeNull().ShouldContain("enable_io_uring = false");
        store.History().Skip(rolledFrom).Where(t => t.To == TargetStates.Offline).Select(t => t.NodeId).Distinct().Order().ToList()
            .ShouldBe(new List<long> { 10001, 10002, 10003 }, "each storage node was restarted");
    }
}
