using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.DevCluster.ThreeFS;
using MoeOperator.Planning.ThreeFS;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

/// <summary>Growing storage from 4 to 6 nodes on a 6-node dev cluster whose 3FS image runs the simulator.</summary>
[Collection(ThreeFSDevClusterCollection.Name)]
public sealed class ThreeFSScaleOutTests : IAsyncLifetime
{
    private const string Ns = "storage";
    private const string Name = "tfs-minimal";
    private ThreeFSDevCluster _tfs = null!;

    public async Task InitializeAsync() => _tfs = await ThreeFSDevCluster.StartAsync(Ns, syncDuration: TimeSpan.FromSeconds(2), nodes: 6);

    public async Task DisposeAsync() => await _tfs.DisposeAsync();

    [Fact]
    public async Task ScalingStorageFrom4To6_MovesReplicasByUpstreamsProcedure_NeverBelowTheReplicationFactor_EndsBalanced_AndDeleteRemovesTheData()
    {
        var sample = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", "threefscluster-minimal.yaml"))).Single();
        sample["spec"]!["storage"]!["replicas"] = 4;
        sample["spec"]!["storage"]!["targetsPerDisk"] = 3;
        sample["spec"]!["storage"]!["stripeSize"] = 8;
        sample["spec"]!["clients"] = new JsonObject { ["enabled"] = false };
        await _tfs.CreateAsync(sample);
        var ready = await _tfs.WaitForStatusAsync(Name, s => (string?)s?["phase"] == "Ready" && s?["observedGeneration"] is not null, "the cluster to be Ready", TimeSpan.FromSeconds(180));
        ((long?)ready["observedGeneration"]).ShouldBe(1);
        ((int?)ready["chains"]!["total"]).ShouldBe(8, "4 nodes x 2 disks x 3 targets / 3 replicas");
        var store = new SimStore(Path.Combine(_tfs.SimDirectory, "dev-3fs"), SimTimings.Default);
        var before = store.History().Count;
        var oldChains = store.Read()!.Chains.Keys.ToHashSet();

        var patch = new JsonObject { ["spec"] = new JsonObject { ["storage"] = new JsonObject { ["replicas"] = 6 } } };
        var (code, body) = await _tfs.Json.SendAsync(HttpMethod.Patch, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/threefsclusters/{Name}", patch, "application/merge-patch+json");
        ((int)code).ShouldBe(200, body?.ToJsonString());

        var grown = await _tfs.WaitForStatusAsync(
            Name,
            s => (string?)s?["phase"] == "Ready" && (int?)s?["chains"]?["total"] == 12 && (int?)s?["chains"]?["serving"] == 12
                && s?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == "StorageScaling" && (string?)c?["reason"] == "Balanced") == true,
            "12 chains serving over 6 storage nodes",
            TimeSpan.FromSeconds(240));
        grown["members"]!.AsArray().Count(m => (string?)m!["component"] == "storage").ShouldBe(6);
        ((long?)grown["observedGeneration"]).ShouldBe(2, "the scale-out is in effect once the table covers the new nodes");

        // The table the cluster ends with: every node's disks equally cut, node pairs sharing chains evenly.
        var tableMap = (await _tfs.ListAsync("configmaps")).Single(c => (string?)c["metadata"]!["name"] == ThreeFSNames.ChainTable(Name));
        var table = ChainTableFiles.Parse((string)tableMap["data"]!["generated_chains.csv"]!, (string)tableMap["data"]!["generated_chain_table.csv"]!);
        table.Chains.Count.ShouldBe(12);
        table.Chains.SelectMany(c => c.Targets).GroupBy(t => (t.Node, t.Disk)).ShouldAllBe(g => g.Count() == 3);
        var nodes = Enumerable.Range(0, 6).Select(ThreeFSIds.StorageNodeId).ToList();
        var shared = nodes.SelectMany(a => nodes.Where(b => b > a).Select(b => table.Chains.Count(c => c.Targets.Any(t => t.Node == a) && c.Targets.Any(t => t.Node == b)))).ToList();
        (shared.Max() - shared.Min()).ShouldBeLessThanOrEqualTo(1);
        var state = store.Read()!;
        state.Chains.Count.ShouldBe(12);
        state.ChainTables[1].Count.ShouldBe(12);
        foreach (var chain in table.Chains)
        {
            state.Chains[chain.Id].Targets.Order().ShouldBe(chain.Targets.Select(t => t.Id).Order(), "mgmtd's chains are the planned table");
        }

        // Replay the simulator's record: an existing chain always kept 3 serving replicas, and a replaced replica
        // left only after the added one served.
        var serving = state.Chains.Keys.Where(oldChains.Contains).ToDictionary(c => c, _ => new HashSet<long>());
        foreach (var target in store.History().Take(before).Where(t => t.ChainId is { } c && oldChains.Contains(c)))
        {
            if (target.To == TargetStates.Serving)
            {
                serving[target.ChainId!.Value].Add(target.TargetId);
            }
            else
            {
                serving[target.ChainId!.Value].Remove(target.TargetId);
            }
        }

        serving.Values.ShouldAllBe(s => s.Count == 3, "every chain served fully before the scale-out");
        foreach (var change in store.History().Skip(before).Where(t => t.ChainId is { } c && oldChains.Contains(c)))
        {
            var set = serving[change.ChainId!.Value];
            if (change.To == TargetStates.Serving)
            {
                set.Add(change.TargetId);
            }
            else
            {
                set.Remove(change.TargetId);
            }

            set.Count.ShouldBeGreaterThanOrEqualTo(3, $"chain {change.ChainId} fell to {set.Count} serving replicas at {change.Time:O}");
        }

        store.History().Skip(before).Count(t => t.To == TargetStates.Syncing).ShouldBeGreaterThan(0, "replicas moved to the new nodes");

        // deletionPolicy Delete: the data goes, but only after the cluster's daemons are gone.
        var dataDirectory = Path.Combine(_tfs.HostPaths, "data", "3fs", "disk0", "3fs");
        Directory.EnumerateDirectories(dataDirectory).ShouldNotBeEmpty();
        var policy = new JsonObject { ["spec"] = new JsonObject { ["deletionPolicy"] = "Delete" } };
        ((int)(await _tfs.Json.SendAsync(HttpMethod.Patch, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/threefsclusters/{Name}", policy, "application/merge-patch+json")).Status).ShouldBe(200);
        ((int)(await _tfs.Json.SendAsync(HttpMethod.Delete, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/threefsclusters/{Name}")).Status).ShouldBeInRange(200, 202);
        await Eventually.HoldsAsync(async () => await _tfs.GetAsync(Name) is null, "the cluster to be gone", TimeSpan.FromSeconds(60));
        Directory.Exists(dataDirectory).ShouldBeFalse("deletionPolicy Delete removes the data directories");
        var (_, events) = await _tfs.Json.SendAsync(HttpMethod.Get, $"/apis/events.k8s.io/v1/namespaces/{Ns}/events");
        events!["items"]!.AsArray().Select(e => (string?)e!["reason"]).ShouldContain("DataDeleted");
    }
}
