using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;

namespace MoeOperator.Tests.Controllers.EPGroups;

/// <summary>
/// Day-2 changes of a Running EPGroup on the dev cluster (8 nodes x 4 GPUs, the worker image simulated): every spec
/// field is changed in turn, and each change either replaces the whole group (every pod new, never two revisions at
/// once, no restart counted) or applies in place (the same pods), as its [OnChange] decision says; observedGeneration
/// reaches the new generation only once the change is in effect.
/// </summary>
public sealed class EPGroupSpecChangeTests : IAsyncLifetime
{
    private const string Ns = "day2";
    private const string Name = "g";
    private OperatorDevCluster _dev = null!;

    // Every revision seen among the group's pods at once (terminating pods included: their processes still run).
    private readonly ConcurrentBag<string> _mixed = [];
    private volatile bool _stopWatching;
    private Task _watching = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _dev = await OperatorDevCluster.StartAsync(
            Ns,
            new NodePoolSpec { Nodes = 8, GpusPerNode = 4 },
            data => new KubeletOptions { DataDirectory = data, SimulatedStartDelay = TimeSpan.FromMilliseconds(100), SyncPeriod = TimeSpan.FromMilliseconds(100) },
            [EPGroupController.Registration()]);
        _watching = WatchForMixedRevisionsAsync();
    }

    public async Task DisposeAsync()
    {
        _stopWatching = true;
        await _watching;
        await _dev.DisposeAsync();
    }

    private async Task WatchForMixedRevisionsAsync()
    {
        while (!_stopWatching)
        {
            var revisions = (await PodsAsync()).Select(EPGroupBuilder.RevisionOf).Distinct().ToList();
            if (revisions.Count > 1)
            {
                _mixed.Add(string.Join(" + ", revisions));
            }

            await Task.Delay(50);
        }
    }

    private async Task<List<JsonObject>> PodsAsync()
    {
        var (_, body) = await _dev.Json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Ns}/pods?labelSelector={Uri.EscapeDataString($"{EPGroupNames.GroupLabel}={Name}")}");
        return [.. body?["items"]?.AsArray().OfType<JsonObject>() ?? []];
    }

    private async Task<long> PatchSpecAsync(JsonObject spec)
    {
        var (status, body) = await _dev.Json.SendAsync(HttpMethod.Patch, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/epgroups/{Name}", new JsonObject { ["spec"] = spec }, "application/merge-patch+json");
        ((int)status).ShouldBe(200, body?.ToJsonString());
        return (long)body!["metadata"]!["generation"]!;
    }

    private Task<JsonObject> WaitForStatusAsync(Func<JsonNode?, bool> condition, string what) =>
        _dev.WaitForStatusAsync(Kinds.EPGroup.Plural, Name, condition, what, TimeSpan.FromSeconds(60), async () =>
            "pods: " + string.Join("; ", (await PodsAsync()).Select(p => $"{p["metadata"]!["name"]} {p["status"]?["phase"]} {EPGroupBuilder.RevisionOf(p)} deleting={p["metadata"]!["deletionTimestamp"] is not null}")));

    private static bool RunningAt(JsonNode? status, long generation) =>
        (string?)status?["phase"] == "Running" && (long?)status?["observedGeneration"] == generation;

    private async Task<HashSet<string>> PodUidsAsync() => [.. (await PodsAsync()).Select(p => (string)p["metadata"]!["uid"]!)];

    private async Task StartAsync()
    {
        var group = EPGroupCluster.Sample("epgroup-minimal.yaml", Name);
        group["metadata"]!["namespace"] = Ns;
        await _dev.CreateAsync(Kinds.EPGroup.Plural, group);
        await WaitForStatusAsync(s => RunningAt(s, 1), "the group to run generation 1");
    }

    /// <summary>One change of the walk: the spec fields it covers (as the CRD names them), and the merge patch that changes them.</summary>
    private sealed record Change(string[] Fields, string Patch);

    // In order; each leaves a valid spec that fits 8 nodes of 4 GPUs.
    private static readonly Change[] _walk =
    [
        new(["image"], """{"image":"ghcr.io/moe-operator/moe-worker:0.2.0"}"""),
        new(["ranks"], """{"ranks":8}"""),
        new(["gpusPerRank"], """{"gpusPerRank":2}"""),
        new(["ranksPerNode"], """{"ranksPerNode":1}"""),
        new(["resources.requests", "resources.limits"], """{"resources":{"requests":{"cpu":"100m"},"limits":{"cpu":"1"}}}"""),
        new(["model.hiddenSize"], """{"model":{"hiddenSize":512}}"""),
        new(["model.experts"], """{"model":{"experts":32}}"""),
        new(["model.expertGroups"], """{"model":{"expertGroups":8}}"""),
        new(["model.topkGroups"], """{"model":{"topkGroups":3}}"""),
        new(["model.topk"], """{"model":{"topk":6}}"""),
        new(["model.physicalExpertSlots"], """{"model":{"physicalExpertSlots":40}}"""),
        new(["model.expertPrecision"], """{"model":{"expertPrecision":"FP8"}}"""),
        new(["model.maxTokensPerRank"], """{"model":{"maxTokensPerRank":256}}"""),
        new(["transport.backend"], """{"transport":{"backend":"NVSHMEM"}}"""),
        new(["transport.communicationSMs"], """{"transport":{"communicationSMs":24}}"""),
        new(["transport.ibServiceLevel"], """{"transport":{"ibServiceLevel":3}}"""),
        new(["placement.topologyKeys"], """{"placement":{"topologyKeys":["network.moe.dev/leaf"]}}"""),
        new(["placement.nodeSelector"], """{"placement":{"nodeSelector":{"nvidia.com/gpu.product":"NVIDIA-H200"}}}"""),
        new(
            ["placement.tolerations[].key", "placement.tolerations[].operator", "placement.tolerations[].value", "placement.tolerations[].effect", "placement.tolerations[].tolerationSeconds"],
            """{"placement":{"tolerations":[{"key":"example.com/maintenance","operator":"Equal","value":"soon","effect":"NoExecute","tolerationSeconds":600}]}}"""),
        new(["scheduling.gangTimeout"], """{"scheduling":{"gangTimeout":"10m"}}"""),
        new(["scheduling.schedulerName"], """{"scheduling":{"schedulerName":"default-scheduler"}}"""),
        new(["scheduling.priorityClassName"], """{"scheduling":{"priorityClassName":"training-high"}}"""),
        new(["eplb.enabled"], """{"eplb":{"enabled":false}}"""),
        new(["eplb.policy"], """{"eplb":{"policy":"Global"}}"""),
        new(["eplb.interval"], """{"eplb":{"interval":"30s"}}"""),
        new(["eplb.minImbalance"], """{"eplb":{"minImbalance":1.5}}"""),
        new(["failurePolicy.maxRestarts"], """{"failurePolicy":{"maxRestarts":5}}"""),
        new(["failurePolicy.initialBackoff"], """{"failurePolicy":{"initialBackoff":"2s"}}"""),
        new(["failurePolicy.maxBackoff"], """{"failurePolicy":{"maxBackoff":"1m"}}"""),
        new(["kernelSelfTest"], """{"kernelSelfTest":true}"""),
    ];

    [Fact]
    public async Task EverySpecField_ChangedOnARunningGroup_ReplacesTheWholeGroupOrAppliesInPlace_AsItsDecisionSays()
    {
        // The walk covers every field of the CRD; threeFS is walked by its own test below (it needs a file system).
        var walked = _walk.SelectMany(c => c.Fields).Append("threeFS.clusterRef").Append("threeFS.path").Append("threeFS.mountPath").Append("threeFS.readOnly");
        walked.Order(StringComparer.Ordinal).ShouldBe(SpecChanges.Fields(Kinds.EPGroup).Order(StringComparer.Ordinal));
        await StartAsync();

        foreach (var change in _walk)
        {
            var before = await PodUidsAsync();
            var decision = SpecChanges.DecisionFor(typeof(EPGroupSpec), change.Fields[0])!.Change;
            var generation = await PatchSpecAsync(JsonNode.Parse(change.Patch)!.AsObject());

            var status = await WaitForStatusAsync(s => RunningAt(s, generation), $"{change.Fields[0]} ({decision}) to take effect at generation {generation}");

            var after = await PodUidsAsync();
            var spec = (await _dev.GetAsync(Kinds.EPGroup.Plural, Name))!["spec"].Deserialize<EPGroupSpec>(ApiJson.Options)!;
            (await PodsAsync()).ShouldAllBe(p => EPGroupBuilder.RevisionOf(p) == EPGroupBuilder.Revision(spec), change.Fields[0]);
            if (decision == SpecChange.Replace)
            {
                after.Intersect(before).ShouldBeEmpty($"{change.Fields[0]} replaces every pod");
                ((string?)status["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "Updating")!["reason"]).ShouldBe("Updated");
            }
            else
            {
                decision.ShouldBe(SpecChange.InPlace);
                after.ShouldBe(before, ignoreOrder: true, $"{change.Fields[0]} applies in place: the same pods");
            }

            ((int?)status["restarts"]).ShouldBe(0, $"{change.Fields[0]}: an update is not a restart");
        }

        _mixed.ShouldBeEmpty("ranks of two revisions ran at once");
    }

    [Fact]
    public async Task ASizeThatNoLongerFits_ReleasesTheOldPlacement_WaitsWithTheReason_AndObservedGenerationStaysUntilItRuns()
    {
        await StartAsync();

        var generation = await PatchSpecAsync(JsonNode.Parse("""{"ranks":32,"model":{"experts":32}}""")!.AsObject());

        var waiting = await WaitForStatusAsync(s => (string?)s?["phase"] == "Pending" && Condition(s, "Scheduled")?["reason"]?.GetValue<string>() == "WaitingForCapacity", "the bigger group to wait for room");
        ((string?)Condition(waiting, "Scheduled")!["message"]).ShouldBe("waiting for capacity: needs 16 nodes with 2 free GPUs each; 8 of 8 qualify");
        ((string?)Condition(waiting, "Updating")!["status"]).ShouldBe("True");
        ((long?)waiting["observedGeneration"]).ShouldBe(1, "generation 2 is not in effect");
        (await PodsAsync()).ShouldBeEmpty("the old placement is released, not kept running beside a spec it does not match");

        var smaller = await PatchSpecAsync(JsonNode.Parse("""{"ranks":4,"model":{"experts":16}}""")!.AsObject());
        var running = await WaitForStatusAsync(s => RunningAt(s, smaller), "the group to run again at a size that fits");
        ((int?)running["readyRanks"]).ShouldBe(4);
        generation.ShouldBe(2);
        _mixed.ShouldBeEmpty();
    }

    [Fact]
    public async Task MountingAThreeFSFileSystem_ReplacesTheGroup_WhichWaitsForIt_AndUnmountingRunsItAgain()
    {
        await StartAsync();
        var before = await PodUidsAsync();

        await PatchSpecAsync(JsonNode.Parse("""{"threeFS":{"clusterRef":"shared","path":"/models","mountPath":"/mnt/models","readOnly":true}}""")!.AsObject());

        var waiting = await WaitForStatusAsync(s => Condition(s, "Scheduled")?["reason"]?.GetValue<string>() == "WaitingForThreeFS" && (string?)s?["phase"] == "Pending", "the group to wait for its file system");
        ((string?)Condition(waiting, "Scheduled")!["message"])!.ShouldContain("shared");
        ((long?)waiting["observedGeneration"]).ShouldBe(1);
        (await PodsAsync()).ShouldBeEmpty();

        var unmounted = await PatchSpecAsync(new JsonObject { ["threeFS"] = null });
        await WaitForStatusAsync(s => RunningAt(s, unmounted), "the group to run again without the mount");
        (await PodUidsAsync()).Intersect(before).ShouldBeEmpty();
    }

    [Fact]
    public async Task ChangingTheSpecOfAFailedGroup_StartsItAgainWithAFreshRestartBudget()
    {
        var group = EPGroupCluster.Sample("epgroup-minimal.yaml", Name);
        group["metadata"]!["namespace"] = Ns;
        group["spec"]!["failurePolicy"] = new JsonObject { ["maxRestarts"] = 0 };
        await _dev.CreateAsync(Kinds.EPGroup.Plural, group);
        await WaitForStatusAsync(s => RunningAt(s, 1), "the group to run");
        _dev.Cluster.KillContainer(Ns, $"{Name}-0").ShouldBeTrue();
        await WaitForStatusAsync(s => (string?)s?["phase"] == "Failed", "the group to fail with no restarts allowed");

        var fixedImage = await PatchSpecAsync(JsonNode.Parse("""{"image":"ghcr.io/moe-operator/moe-worker:0.1.1"}""")!.AsObject());

        var running = await WaitForStatusAsync(s => RunningAt(s, fixedImage), "the failed group to run the new spec");
        ((int?)running["restarts"]).ShouldBe(0);
        ((string?)running["lastFailure"]?["pod"]).ShouldBe($"{Name}-0", "the failure that stopped it is kept");
        (await PodsAsync()).ShouldAllBe(p => (string?)p["spec"]!["containers"]![0]!["image"] == "ghcr.io/moe-operator/moe-worker:0.1.1");
    }

    private static JsonNode? Condition(JsonNode? status, string type) =>
        status?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type);
}
