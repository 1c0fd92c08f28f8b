using System.Text.Json.Nodes;
using k8s.Models;
using MoeOperator.Contract;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.EPGroups;

/// <summary>The EPGroup controller on the dev cluster (4 nodes x 2 GPUs; the worker image is simulated here).</summary>
public sealed class EPGroupControllerTests : IAsyncLifetime
{
    private const string Ns = "ep";
    private EPGroupCluster _ep = null!;

    public async Task InitializeAsync() => _ep = await EPGroupCluster.StartAsync(Ns, data => new KubeletOptions { DataDirectory = data, SimulatedStartDelay = TimeSpan.FromMilliseconds(200), SyncPeriod = TimeSpan.FromMilliseconds(100) });

    public async Task DisposeAsync() => await _ep.DisposeAsync();

    private async Task CreateGroupAsync(int ranks, int maxRestarts, string name = "ep-minimal", JsonObject? eplb = null)
    {
        var group = EPGroupCluster.Sample("epgroup-minimal.yaml", name);
        group["spec"]!["ranks"] = ranks;
        group["spec"]!["failurePolicy"] = new JsonObject { ["maxRestarts"] = maxRestarts, ["initialBackoff"] = "1s", ["maxBackoff"] = "2s" };
        if (eplb is not null)
        {
            group["spec"]!["eplb"] = eplb;
        }

        await _ep.CreateAsync(group);
    }

    private Task<JsonObject?> GroupAsync(string name = "ep-minimal") => _ep.GroupAsync(name);

    private Task<List<JsonObject>> PodsAsync(string name = "ep-minimal") => _ep.PodsAsync(name);

    private Task<JsonObject> WaitForPhaseAsync(string phase, string name = "ep-minimal") => _ep.WaitForPhaseAsync(name, phase);

    [Fact]
    public async Task AGroup_BecomesRunningOnOneLeaf_RestartsWholeAfterARankDies_AndFailsWhenRestartsRunOut()
    {
        await CreateGroupAsync(ranks: 4, maxRestarts: 1);

        await WaitForPhaseAsync("Running");
        var status = (await GroupAsync())!["status"]!;
        ((int?)status["readyRanks"]).ShouldBe(4);
        var nodes = (await PodsAsync()).Select(p => (string?)p["spec"]!["nodeName"]).Order().ToList();
        nodes.ShouldBe([NodeBuilder.NameOf(0), NodeBuilder.NameOf(1)], "both nodes of leaf-0");
        status["placement"]!.AsArray().Select(p => (int?)p!["firstRank"]).ShouldBe([0, 2]);
        // The names and labels the chart's alert rules and dashboards query.
        (await _ep.Metrics.ExportAsync(CancellationToken.None)).ShouldContain($"moe_epgroup_ranks{{namespace=\"{Ns}\",epgroup=\"ep-minimal\",state=\"ready\"}} 4");

        _ep.Cluster.KillContainer(Ns, "ep-minimal-1").ShouldBeTrue();
        await Eventually.HoldsAsync(async () => (int?)(await GroupAsync())?["status"]?["restarts"] == 1, "a whole-group restart", TimeSpan.FromSeconds(30));
        ((string?)(await GroupAsync())!["status"]!["lastFailure"]!["pod"]).ShouldBe("ep-minimal-1");
        ((string?)(await GroupAsync())!["status"]!["lastFailure"]!["message"] ?? "").ShouldContain("exited with code 137");
        await WaitForPhaseAsync("Running");

        _ep.Cluster.KillContainer(Ns, "ep-minimal-0").ShouldBeTrue();
        await WaitForPhaseAsync("Failed");
        var ready = (await GroupAsync())!["status"]!["conditions"]!.AsArray().First(c => (string?)c!["type"] == "Ready")!;
        ((string?)ready["reason"]).ShouldBe("RestartsExhausted");
        await Eventually.HoldsAsync(async () => (await PodsAsync()).Count == 0, "the failed group's pods to be deleted", TimeSpan.FromSeconds(30));
        (await _ep.Metrics.ExportAsync(CancellationToken.None)).ShouldContain($"moe_epgroup_restarts_total{{namespace=\"{Ns}\",epgroup=\"ep-minimal\"}} 1");
    }

    [Fact]
    public async Task ASettledGroup_ReconciledAgain_WritesNothing()
    {
        await CreateGroupAsync(ranks: 4, maxRestarts: 1, name: "settled");
        await WaitForPhaseAsync("Running", "settled");
        string? version = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                var previous = version;
                version = (string?)(await GroupAsync("settled"))!["metadata"]!["resourceVersion"];
                await Task.Delay(TimeSpan.FromSeconds(1));
                return previous == version;
            },
            "the group's status to settle",
            TimeSpan.FromSeconds(60));

        _ep.Cluster.Server.Requests.Reset();
        var before = await ReconcilesAsync();
        for (var touch = 0; touch < 3; touch++)
        {
            // A change of an owned pod queues the group again; its status has nothing new to say.
            var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["test/touch"] = touch.ToString(System.Globalization.CultureInfo.InvariantCulture) } } };
            var (code, _) = await _ep.Json.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{Ns}/pods/settled-0", patch, "application/merge-patch+json");
            ((int)code).ShouldBe(200);
            await Eventually.HoldsAsync(async () => await ReconcilesAsync() > before + touch, $"reconcile {touch + 1} after the touch");
        }

        _ep.Cluster.Server.Requests.Writes("epgroups").ShouldBe(0, "a reconcile of a settled group writes no status");
        _ep.Cluster.Server.Requests.Writes("services").ShouldBe(0);
        _ep.Cluster.Server.Requests.Writes("configmaps").ShouldBe(0);
    }

    // Reconciles of the EPGroup controller so far, whatever their result.
    private async Task<double> ReconcilesAsync() =>
        (await _ep.Metrics.ExportAsync(CancellationToken.None)).Split('\n')
            .Where(l => l.StartsWith("controller_runtime_reconcile_total{", StringComparison.Ordinal) && l.Contains("controller=\"epgroup\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task AGroupThatCannotFit_CreatesNoPod_AndSaysWhy()
    {
        await CreateGroupAsync(ranks: 16, maxRestarts: 1, name: "too-big");

        await WaitForPhaseAsync("Pending", "too-big");
        var scheduled = (await GroupAsync("too-big"))!["status"]!["conditions"]!.AsArray().First(c => (string?)c!["type"] == "Scheduled")!;
        ((string?)scheduled["status"]).ShouldBe("False");
        ((string?)scheduled["message"]).ShouldBe("waiting for capacity: needs 8 nodes with 2 free GPUs each; 4 of 4 qualify");
        ((string?)scheduled["reason"]).ShouldBe("WaitingForCapacity");
        (await PodsAsync("too-big")).ShouldBeEmpty();
    }

    [Fact]
    public async Task DeletingAGroup_LeavesNothingBehind()
    {
        await CreateGroupAsync(ranks: 4, maxRestarts: 1);
        await WaitForPhaseAsync("Running");

        await _ep.Json.SendAsync(HttpMethod.Delete, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/epgroups/ep-minimal");

        await Eventually.HoldsAsync(async () => (await PodsAsync()).Count == 0, "the pods to go", TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(async () => (int)(await _ep.Json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Ns}/services/ep-minimal")).Status == 404, "the service to go");
        ((int)(await _ep.Json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Ns}/configmaps/ep-minimal-expert-map")).Status).ShouldBe(404);
    }

    [Fact]
    public async Task SkewedExpertLoad_ReportedByTheRanks_IsRebalancedIntoANewExpertMap()
    {
        await CreateGroupAsync(ranks: 4, maxRestarts: 1, eplb: new JsonObject { ["interval"] = "1s", ["minImbalance"] = 1.1 });
        await WaitForPhaseAsync("Running");

        // Every rank reports Zipf-skewed routing over the 16 experts against map version 1.
        var zipf = Enumerable.Range(1, 16).Select(rank => Math.Round(1000.0 / rank)).ToArray();
        foreach (var pod in await PodsAsync())
        {
            var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [ExpertLoadReport.Annotation] = new ExpertLoadReport(1, zipf).Format() } } };
            var (code, body) = await _ep.Json.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{Ns}/pods/{pod["metadata"]!["name"]}", patch, "application/merge-patch+json");
            ((int)code).ShouldBe(200, body?.ToJsonString());
        }

        await Eventually.HoldsAsync(async () => (long?)(await GroupAsync())?["status"]?["expertMap"]?["version"] == 2, "a new expert map", TimeSpan.FromSeconds(30));
        var map = (await GroupAsync())!["status"]!["expertMap"]!;
        var before = (double)map["imbalanceBefore"]!;
        var after = (double)map["imbalanceAfter"]!;
        after.ShouldBeLessThan(before);
        before.ShouldBeGreaterThan(1.1);
        var (_, configMap) = await _ep.Json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Ns}/configmaps/ep-minimal-expert-map");
        ((string?)configMap!["data"]!["version"]).ShouldBe("2");
        (await GroupAsync())!["status"]!["conditions"]!.AsArray().ShouldContain(c => (string?)c!["type"] == "Rebalanced" && (string?)c["status"] == "True");
        (await _ep.Metrics.ExportAsync(CancellationToken.None)).ShouldContain($"moe_epgroup_rebalances_total{{namespace=\"{Ns}\",epgroup=\"ep-minimal\"}} 1");
    }

    [Fact]
    public async Task WithAnExternalGangScheduler_TheOperatorCreatesAPodGroupAndUnpinnedPods_AndRecordsWhereTheyLand()
    {
        var group = EPGroupCluster.Sample("epgroup-minimal.yaml", "gang");
        group["spec"]!["scheduling"] = new JsonObject { ["schedulerName"] = "gang-scheduler" };
        await _ep.CreateAsync(group);

        // No PodGroup API in the cluster yet: the group says what to install, and creates no pod.
        var waiting = await _ep.WaitForStatusAsync("gang", s => Condition(s, "Scheduled")?["reason"]?.ToString() == "PodGroupUnavailable", "the missing PodGroup API reported", TimeSpan.FromSeconds(30));
        ((string?)Condition(waiting, "Scheduled")!["message"] ?? "").ShouldContain("install the scheduler-plugins coscheduling CRDs");
        (await PodsAsync("gang")).ShouldBeEmpty();

        await PodGroupApi.InstallAsync(_ep.Json);
        var (_, annotate) = await _ep.Json.SendAsync(HttpMethod.Patch, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/epgroups/gang", new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["retry"] = "now" } } }, "application/merge-patch+json");
        annotate.ShouldNotBeNull();
        await Eventually.HoldsAsync(async () => (await PodsAsync("gang")).Count == 2, "the two pods", TimeSpan.FromSeconds(60));
        var (podGroupStatus, podGroup) = await _ep.Json.SendAsync(HttpMethod.Get, $"/apis/scheduling.x-k8s.io/v1alpha1/namespaces/{Ns}/podgroups/gang");
        ((int)podGroupStatus).ShouldBe(200);
        ((int?)podGroup!["spec"]!["minMember"]).ShouldBe(2);
        var pods = await PodsAsync("gang");
        pods.ShouldAllBe(p => (string?)p["spec"]!["schedulerName"] == "gang-scheduler" && (string?)p["spec"]!["nodeName"] == null, "the dev scheduler leaves another scheduler's pods alone");
        ((string?)Condition((await GroupAsync("gang"))!["status"], "Scheduled")!["reason"]).ShouldBe("WaitingForScheduler");

        // Play the gang scheduler: bind both pods, as it would once the whole gang fits.
        foreach (var (pod, node) in pods.OrderBy(p => (string?)p["metadata"]!["name"], StringComparer.Ordinal).Zip([NodeBuilder.NameOf(2), NodeBuilder.NameOf(3)]))
        {
            await PodGroupApi.BindAsync(_ep.Json, Ns, (string)pod["metadata"]!["name"]!, node);
        }

        var running = await _ep.WaitForPhaseAsync("gang", "Running");
        running["placement"]!.AsArray().Select(p => (string?)p!["node"]).ShouldBe([NodeBuilder.NameOf(2), NodeBuilder.NameOf(3)]);
        ((string?)Condition(running, "Scheduled")!["message"]).ShouldBe($"gang-scheduler placed 2 nodes: {NodeBuilder.NameOf(2)}, {NodeBuilder.NameOf(3)}");
    }

    private static JsonNode? Condition(JsonNode? status, string type) => status?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type);
}
