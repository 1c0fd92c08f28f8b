using System.Text.Json.Nodes;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.TrainingJobs;

/// <summary>The TrainingJob controller on the dev cluster (4 nodes x 2 GPUs in two leaves) with a simulated worker image: placement, capacity, suspend and deletion, no training.</summary>
public sealed class TrainingJobControllerTests : IAsyncLifetime
{
    private const string Ns = "tj-sim";
    private const string Leaf = "network.moe.dev/leaf";
    private TrainingJobCluster _tj = null!;

    public async Task InitializeAsync() => _tj = await TrainingJobCluster.StartAsync(Ns, simulated: true);

    public async Task DisposeAsync() => await _tj.DisposeAsync();

    private async Task<List<string>> NodesAsync(string job) =>
        [.. (await _tj.PodsAsync(job)).Where(p => p["metadata"]!["deletionTimestamp"] is null).Select(p => (string?)p["spec"]?["nodeName"] ?? "").Order(StringComparer.Ordinal)];

    [Fact]
    public async Task APlacementChange_AppliesWhenThePodsAreNextCreated_AfterASuspend()
    {
        var job = await _tj.SampleAsync("moving", steps: 100, interval: 10);
        job["spec"]!["ranksPerNode"] = 2;
        job["spec"]!["placement"] = new JsonObject { ["nodeSelector"] = new JsonObject { [Leaf] = "leaf-0" } };
        await _tj.CreateAsync(job);
        await _tj.WaitForStatusAsync("moving", s => (string?)s?["phase"] == "Running", "Running", TimeSpan.FromSeconds(60));
        (await NodesAsync("moving")).ShouldBe(["dev-node-0", "dev-node-0", "dev-node-1", "dev-node-1"], "two ranks per node, on the leaf the selector names");

        await _tj.PatchSpecAsync("moving", new JsonObject { ["placement"] = new JsonObject { ["nodeSelector"] = new JsonObject { [Leaf] = "leaf-1" } } });
        var running = await _tj.WaitForStatusAsync("moving", s => (long?)s?["observedGeneration"] == 2, "generation 2 observed", TimeSpan.FromSeconds(30));
        ((string?)running["phase"]).ShouldBe("Running");
        (await NodesAsync("moving")).ShouldBe(["dev-node-0", "dev-node-0", "dev-node-1", "dev-node-1"], "running ranks stay where they are");

        await _tj.PatchSpecAsync("moving", new JsonObject { ["suspend"] = true });
        var suspended = await _tj.WaitForStatusAsync("moving", s => (string?)s?["phase"] == "Suspended", "Suspended", TimeSpan.FromSeconds(60));
        suspended["conditions"]!.AsArray().ShouldContain(c => (string?)c!["type"] == "CheckpointedForSuspend" && (string?)c["status"] == "False" && (string?)c["reason"] == "NotCheckpointed",
            "a simulated rank reports no checkpoint, and the status says so rather than claim one");
        (await _tj.PodsAsync("moving")).ShouldBeEmpty();

        await _tj.PatchSpecAsync("moving", new JsonObject { ["suspend"] = false });
        await _tj.WaitForStatusAsync("moving", s => (string?)s?["phase"] == "Running", "Running again", TimeSpan.FromSeconds(60));
        (await NodesAsync("moving")).ShouldBe(["dev-node-2", "dev-node-2", "dev-node-3", "dev-node-3"], "the new pods follow the changed selector");
    }

    [Fact]
    public async Task AJobThatDoesNotFit_WaitsWithThePlannersReason_AndCreatesNoPod()
    {
        var job = await _tj.SampleAsync("big", steps: 10, interval: 5);
        job["spec"]!["gpusPerRank"] = 4;
        await _tj.CreateAsync(job);

        var status = await _tj.WaitForStatusAsync("big", s => s?["conditions"]?.AsArray().Any(c => (string?)c!["reason"] == "WaitingForCapacity") == true, "WaitingForCapacity", TimeSpan.FromSeconds(60));

        ((string?)status["phase"]).ShouldBe("Pending");
        ((string?)status["conditions"]!.AsArray().First(c => (string?)c!["type"] == "Scheduled")!["message"]).ShouldNotBeNull().ShouldContain("needs 4 nodes with 4 free GPUs each");
        (await _tj.PodsAsync("big")).ShouldBeEmpty("no rank starts until all fit");
    }

    [Fact]
    public async Task DeletingTheJob_TakesItsPods_RankZeroIncluded()
    {
        await _tj.CreateAsync(await _tj.SampleAsync("gone", steps: 10, interval: 5));
        await _tj.WaitForStatusAsync("gone", s => (string?)s?["phase"] == "Running", "Running", TimeSpan.FromSeconds(60));
        (await _tj.PodsAsync("gone")).Single(p => (string?)p["metadata"]!["name"] == "gone-0")["metadata"]!["finalizers"]!.AsArray().Select(f => (string?)f)
            .ShouldContain("moe.dev/training-progress");

        await _tj.Json.SendAsync(HttpMethod.Delete, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/trainingjobs/gone");

        await Eventually.HoldsAsync(async () => (await _tj.PodsAsync("gone")).Count == 0, "every pod, rank 0's too, to go", TimeSpan.FromSeconds(60));
    }
}
