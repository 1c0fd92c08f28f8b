using System.Text.Json.Nodes;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.TrainingJobs;

/// <summary>The TrainingJob controller on the dev cluster (4 nodes x 2 GPUs in two leaves) with a simulated worker image: placement, capacity, external gang schedulers, suspend, deadline and deletion, no training.</summary>
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

    [Fact]
    public async Task PastActiveDeadlineSeconds_TheJobFailsWithDeadlineExceeded_AndItsRanksStop()
    {
        var job = await _tj.SampleAsync("late", steps: 100000, interval: 10);
        job["spec"]!["activeDeadlineSeconds"] = 3;
        await _tj.CreateAsync(job);

        var failed = await _tj.WaitForStatusAsync("late", s => (string?)s?["phase"] == "Failed", "Failed", TimeSpan.FromSeconds(90));

        var condition = failed["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "Failed")!;
        ((string?)condition["reason"]).ShouldBe("DeadlineExceeded");
        ((string?)condition["message"]).ShouldNotBeNull().ShouldContain("spec.activeDeadlineSeconds (3s)");
        var ran = DateTimeOffset.Parse((string)failed["completionTime"]!, System.Globalization.CultureInfo.InvariantCulture) - DateTimeOffset.Parse((string)failed["startTime"]!, System.Globalization.CultureInfo.InvariantCulture);
        ran.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(3), "not before the deadline");
        await Eventually.HoldsAsync(async () => (await _tj.PodsAsync("late")).Count == 0, "every rank to stop", TimeSpan.FromSeconds(90));
        (await _tj.EventsOnceAsync("late", "DeadlineExceeded")).ShouldContain(e => (string?)e["reason"] == "DeadlineExceeded");
    }

    [Fact]
    public async Task WithAnExternalGangScheduler_TheJobGetsAPodGroupAndUnpinnedRanks_AndRecordsWhereTheyLand()
    {
        var job = await _tj.SampleAsync("gang", steps: 100, interval: 10);
        job["spec"]!["scheduling"] = new JsonObject { ["schedulerName"] = "gang-scheduler" };
        await _tj.CreateAsync(job);

        // No PodGroup API in the cluster yet: the job says what to install, and creates no pod.
        var waiting = await _tj.WaitForStatusAsync("gang", s => s?["conditions"]?.AsArray().Any(c => (string?)c!["reason"] == "PodGroupUnavailable") == true, "the missing PodGroup API reported", TimeSpan.FromSeconds(60));
        ((string?)waiting["conditions"]!.AsArray().First(c => (string?)c!["type"] == "Scheduled")!["message"]).ShouldNotBeNull().ShouldContain("install the scheduler-plugins coscheduling CRDs");
        (await _tj.PodsAsync("gang")).ShouldBeEmpty();

        await PodGroupApi.InstallAsync(_tj.Json);
        var (_, poked) = await _tj.Json.SendAsync(HttpMethod.Patch, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/trainingjobs/gang", new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["retry"] = "now" } } }, "application/merge-patch+json");
        poked.ShouldNotBeNull();
        await Eventually.HoldsAsync(async () => (await _tj.PodsAsync("gang")).Count == 4, "the four ranks", TimeSpan.FromSeconds(60));
        var (podGroupStatus, podGroup) = await _tj.Json.SendAsync(HttpMethod.Get, $"/apis/scheduling.x-k8s.io/v1alpha1/namespaces/{Ns}/podgroups/gang");
        ((int)podGroupStatus).ShouldBe(200);
        ((int?)podGroup!["spec"]!["minMember"]).ShouldBe(4);
        var pods = await _tj.PodsAsync("gang");
        pods.ShouldAllBe(p => (string?)p["spec"]!["schedulerName"] == "gang-scheduler" && (string?)p["spec"]!["nodeName"] == null, "the dev scheduler leaves another scheduler's pods alone");

        // Play the gang scheduler: ranks 0..3 onto nodes 3..0.
        string[] nodes = ["dev-node-3", "dev-node-2", "dev-node-1", "dev-node-0"];
        for (var rank = 0; rank < 4; rank++)
        {
            await PodGroupApi.BindAsync(_tj.Json, Ns, $"gang-{rank}", nodes[rank]);
        }

        var running = await _tj.WaitForStatusAsync("gang", s => (string?)s?["phase"] == "Running", "Running", TimeSpan.FromSeconds(60));
        running["placement"]!.AsArray().Select(n => (string?)n).ShouldBe(nodes, "the nodes the scheduler chose, in rank order");
        ((string?)running["conditions"]!.AsArray().First(c => (string?)c!["type"] == "Scheduled")!["message"]).ShouldBe("gang-scheduler placed the 4 ranks");
    }

    [Fact]
    public async Task TheShape_ChangesOnlyWhileSuspended_AndTheResumedJobRunsWithTheNewParallelismImageAndResources()
    {
        await _tj.CreateAsync(await _tj.SampleAsync("reshaped", steps: 100, interval: 10));
        await _tj.WaitForStatusAsync("reshaped", s => (string?)s?["phase"] == "Running", "Running", TimeSpan.FromSeconds(60));
        var path = $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/trainingjobs/reshaped";
        var smaller = new JsonObject { ["spec"] = new JsonObject { ["parallelism"] = new JsonObject { ["data"] = 1, ["expert"] = 1 } } };

        var (refused, refusal) = await _tj.Json.SendAsync(HttpMethod.Patch, path, smaller.DeepClone(), "application/merge-patch+json");
        ((int)refused).ShouldBe(422);
        ((string?)refusal!["message"]).ShouldNotBeNull().ShouldContain("spec.parallelism: Invalid value");
        ((string?)refusal["message"]).ShouldNotBeNull().ShouldContain("parallelism can change only while suspend is true");

        await _tj.PatchSpecAsync("reshaped", new JsonObject { ["suspend"] = true });
        await _tj.WaitForStatusAsync("reshaped", s => (string?)s?["phase"] == "Suspended", "Suspended", TimeSpan.FromSeconds(60));
        var reshaped = smaller.DeepClone().AsObject();
        reshaped["spec"]!["image"] = "ghcr.io/moe-operator/moe-worker:0.1.1";
        reshaped["spec"]!["gpusPerRank"] = 2;
        reshaped["spec"]!["resources"] = new JsonObject { ["limits"] = new JsonObject { ["memory"] = "3Gi" } };
        var (accepted, body) = await _tj.Json.SendAsync(HttpMethod.Patch, path, reshaped, "application/merge-patch+json");
        ((int)accepted).ShouldBe(200, body?.ToJsonString());
        await _tj.PatchSpecAsync("reshaped", new JsonObject { ["suspend"] = false });

        var running = await _tj.WaitForStatusAsync("reshaped", s => (string?)s?["phase"] == "Running", "Running with the new shape", TimeSpan.FromSeconds(60));
        running["placement"]!.AsArray().Count.ShouldBe(2, "pipeline 2 x data 1");
        (await _tj.PodsAsync("reshaped")).Where(p => p["metadata"]!["deletionTimestamp"] is null).Count().ShouldBe(2);
        var config = (await _tj.PodsAsync("reshaped")).First()["spec"]!["containers"]![0]!["env"]!.AsArray().Single(e => (string?)e!["name"] == "MOE_TRAINING_CONFIG")!["value"]!.ToString();
        config.ShouldContain("\"data\":1");
        var container = (await _tj.PodsAsync("reshaped")).First()["spec"]!["containers"]![0]!;
        ((string?)container["image"]).ShouldBe("ghcr.io/moe-operator/moe-worker:0.1.1");
        ((string?)container["resources"]!["limits"]!["nvidia.com/gpu"]).ShouldBe("2");
        ((string?)container["resources"]!["limits"]!["memory"]).ShouldBe("3Gi");
    }
}
