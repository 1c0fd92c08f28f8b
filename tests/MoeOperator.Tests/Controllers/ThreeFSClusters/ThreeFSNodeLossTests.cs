using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

/// <summary>
/// A storage node lost for a while (its pods marked Failed, NodeLost, as the node lifecycle does) and then back:
/// the failed daemon pod is replaced on its node, the FUSE DaemonSet's failed pod too, and every chain serves
/// again. Found by the chaos soak, where the cluster stayed Degraded for good.
/// </summary>
[Collection(ThreeFSDevClusterCollection.Name)]
public sealed class ThreeFSNodeLossTests : IAsyncLifetime
{
    private const string Ns = "node-loss";
    private const string Name = "tfs-minimal";
    private ThreeFSDevCluster _tfs = null!;

    public async Task InitializeAsync() => _tfs = await ThreeFSDevCluster.StartAsync(Ns, syncDuration: TimeSpan.FromSeconds(2));

    public async Task DisposeAsync() => await _tfs.DisposeAsync();

    [Fact]
    public async Task AStorageNodeLostAndBack_GetsItsDaemonAgain_AndEveryChainServes()
    {
        await _tfs.CreateAsync(YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", "threefscluster-minimal.yaml"))).Single());
        var ready = await _tfs.WaitForStatusAsync(Name, s => (string?)s?["phase"] == "Ready", "the cluster to be Ready", TimeSpan.FromSeconds(180));
        var member = ready["members"]!.AsArray().First(m => (string?)m!["component"] == "storage")!;
        var (node, pod) = ((string)member["node"]!, ThreeFSNames.ServerPod(Name, ThreeFSComponent.Storage, (int)member["nodeId"]!));
        var before = (string?)(await PodAsync(pod))!["metadata"]!["uid"];

        _tfs.Cluster.TakeNodeDown(node);
        // Lost with its node (Failed, NodeLost), then deleted by the operator; its successor waits for the node.
        await Eventually.HoldsAsync(async () => (string?)(await PodAsync(pod))?["metadata"]?["uid"] != before, $"{pod}, lost with {node}, to be replaced", TimeSpan.FromSeconds(60));
        _tfs.Cluster.BringNodeBack(node);

        await _tfs.WaitForStatusAsync(Name, s => (string?)s?["phase"] == "Ready" && (int?)s?["chains"]?["serving"] == 16 && (int?)s?["nodes"]?["storage"]?["ready"] == 3, "every chain to serve again, every storage daemon ready", TimeSpan.FromSeconds(120));
        // The status counts pods from the operator's cache, which may still hold the old pod: wait for the new one.
        await Eventually.HoldsAsync(async () => (string?)(await PodAsync(pod))?["status"]?["phase"] == "Running", $"the replacement {pod} to run", TimeSpan.FromSeconds(60));
        var replaced = await PodAsync(pod);
        ((string?)replaced!["metadata"]!["uid"]).ShouldNotBe(before, "the lost pod was replaced");
        ((string?)replaced["spec"]!["nodeName"]).ShouldBe(node, "a storage daemon stays with its disks");
        (await _tfs.ListAsync("pods")).Where(p => (string?)p["spec"]?["nodeName"] == node && (string?)p["status"]?["phase"] == "Failed").Select(p => (string?)p["metadata"]!["name"])
            .ShouldBeEmpty("no failed pod is left on the node (the DaemonSet's included)");
    }

    private async Task<JsonObject?> PodAsync(string name) =>
        (await _tfs.ListAsync("pods")).FirstOrDefault(p => (string?)p["metadata"]!["name"] == name);
}
