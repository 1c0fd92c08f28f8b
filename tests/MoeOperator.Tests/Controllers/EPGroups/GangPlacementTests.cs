using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.Planning.Resources;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.EPGroups;

/// <summary>
/// Many EPGroups at once on nodes of 8 GPUs (groups of 16 ranks, 8 per node, the worker image simulated): applied in
/// one kubectl apply or from several clients together, they never share a node's GPUs; with room for all, all run;
/// with room for half, the oldest half runs and the rest wait in line with the reason, then start as room frees.
/// Before the placement ledger, groups decided on a cache that lacked each other's pods and stayed Starting forever.
/// </summary>
public sealed class GangPlacementTests
{
    private const string Ns = "gangs";

    private static async Task<OperatorDevCluster> StartAsync(int nodes, IReadOnlyList<string>? watchOnly = null) =>
        await OperatorDevCluster.StartAsync(
            Ns,
            new NodePoolSpec { Nodes = nodes, GpusPerNode = 8 },
            data => new KubeletOptions { DataDirectory = data, SimulatedStartDelay = TimeSpan.FromMilliseconds(200), SyncPeriod = TimeSpan.FromMilliseconds(200) },
            [EPGroupController.Registration()],
            watchOnly);

    private static string Name(int i) => $"g{i.ToString("D2", CultureInfo.InvariantCulture)}";

    private static JsonObject Group(int i)
    {
        var group = EPGroupCluster.Sample("epgroup-minimal.yaml", Name(i));
        group["metadata"]!["namespace"] = Ns;
        group["spec"]!["ranks"] = 16;
        group["spec"]!["ranksPerNode"] = 8;
        return group;
    }

    // One manifest of every group, in order, applied by one kubectl apply.
    private static void ApplyAll(OperatorDevCluster dev, int groups)
    {
        var manifest = new StringBuilder();
        foreach (var i in Enumerable.Range(0, groups))
        {
            manifest.Append("---\n").Append(Group(i).ToJsonString()).Append('\n');
        }

        var file = dev.ScratchPath("groups.yaml");
        File.WriteAllText(file, manifest.ToString());
        var apply = dev.Kubectl("apply", "-f", file);
        apply.ExitCode.ShouldBe(0, apply.Output);
    }

    private static async Task<List<JsonObject>> ListAsync(OperatorDevCluster dev, string path)
    {
        var (_, body) = await dev.Json.SendAsync(HttpMethod.Get, path);
        return [.. body!["items"]!.AsArray().OfType<JsonObject>()];
    }

    private static async Task<Dictionary<string, string?>> PhasesAsync(OperatorDevCluster dev) =>
        (await ListAsync(dev, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/epgroups")).ToDictionary(g => (string)g["metadata"]!["name"]!, g => (string?)g["status"]?["phase"], StringComparer.Ordinal);

    private static async Task WaitForPhasesAsync(OperatorDevCluster dev, Func<Dictionary<string, string?>, bool> condition, string what, TimeSpan limit)
    {
        try
        {
            await Eventually.HoldsAsync(async () => condition(await PhasesAsync(dev)), what, limit);
        }
        catch (TimeoutException e)
        {
            // Only what is not running: a wait for fifty groups would otherwise print a hundred healthy pods.
            var pods = (await ListAsync(dev, $"/api/v1/namespaces/{Ns}/pods")).Where(p => (string?)p["status"]?["phase"] != "Running");
            var waiting = (await ListAsync(dev, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/epgroups")).Where(g => (string?)g["status"]?["phase"] != "Running")
                .Select(g => $"{g["metadata"]!["name"]}={g["status"]?["phase"]} {g["status"]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == "Scheduled")?.ToJsonString()}");
            throw new TimeoutException(
                $"{e.Message}; groups not running: {string.Join(", ", waiting)}; " +
                $"pods not running: {string.Join("; ", pods.Select(p => $"{p["metadata"]!["name"]} {p["status"]?["phase"]} on {p["spec"]?["nodeName"]} {p["status"]?["conditions"]?.ToJsonString()}"))}; " +
                $"component errors: {string.Join(" | ", dev.Cluster.Errors)}",
                e);
        }
    }

    // No node holds more GPUs than it has, counting every pod bound to it that has not finished.
    private static async Task ShouldNotOverCommitAsync(OperatorDevCluster dev)
    {
        var pods = await ListAsync(dev, "/api/v1/pods");
        var used = pods.Where(PodResources.IsActive).Where(p => (string?)p["spec"]?["nodeName"] is { Length: > 0 })
            .GroupBy(p => (string)p["spec"]!["nodeName"]!)
            .ToDictionary(g => g.Key, g => g.Sum(p => PodResources.Requests(p).GetValueOrDefault("nvidia.com/gpu")));
        used.Values.ShouldAllBe(gpus => gpus <= 8, string.Join(", ", used.Select(u => $"{u.Key}: {u.Value}")));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(50)]
    public async Task GroupsAppliedTogether_WithRoomForAll_AllRun_OnNodesOfTheirOwn(int groups)
    {
        await using var dev = await StartAsync(nodes: 2 * groups);

        ApplyAll(dev, groups);

        await WaitForPhasesAsync(dev, phases => phases.Count == groups && phases.Values.All(p => p == nameof(EPGroupPhase.Running)), $"all {groups} groups to run", TimeSpan.FromMinutes(groups >= 50 ? 5 : 2));
        var pods = await ListAsync(dev, $"/api/v1/namespaces/{Ns}/pods");
        pods.Count.ShouldBe(2 * groups);
        pods.ShouldAllBe(p => (string?)p["status"]!["phase"] == "Running");
        await ShouldNotOverCommitAsync(dev);
        dev.Cluster.Errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task WithRoomForHalf_TheOldestHalfRuns_TheRestWaitInLineWithTheReason_AndStartWhenRoomFrees()
    {
        await using var dev = await StartAsync(nodes: 10);

        ApplyAll(dev, 10);

        var oldest = Enumerable.Range(0, 5).Select(Name).ToList();
        var youngest = Enumerable.Range(5, 5).Select(Name).ToList();
        await WaitForPhasesAsync(dev, phases => oldest.All(n => phases.GetValueOrDefault(n) == "Running") && youngest.All(n => phases.GetValueOrDefault(n) == "Pending"), "the five oldest to run and the rest to wait", TimeSpan.FromMinutes(2));
        await ShouldNotOverCommitAsync(dev);
        foreach (var (name, i) in youngest.Select((n, i) => (n, i)))
        {
            var scheduled = (await dev.GetAsync(Kinds.EPGroup.Plural, name))!["status"]!["conditions"]!.AsArray().First(c => (string?)c!["type"] == "Scheduled")!;
            ((string?)scheduled["reason"]).ShouldBe("WaitingForCapacity");
            ((string?)scheduled["message"]).ShouldBe(
                $"waiting for capacity{(i == 0 ? "" : $" behind {i} older group{(i == 1 ? "" : "s")}")}: needs 2 nodes with 8 free GPUs each; 0 of 10 qualify: 10 with fewer than 8 free GPUs");
        }

        // Room frees: the waiting groups start, and none of them was ever scheduled onto a busy node.
        dev.Kubectl(["delete", "epgroups", "-n", Ns, "--wait=false", .. oldest]).ExitCode.ShouldBe(0);
        await WaitForPhasesAsync(dev, phases => phases.Count == 5 && youngest.All(n => phases.GetValueOrDefault(n) == "Running"), "the waiting groups to run once room frees", TimeSpan.FromMinutes(2));
        await ShouldNotOverCommitAsync(dev);
        dev.Cluster.Errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task AGroupWaitingPastItsGangTimeout_IsReportedUnschedulable_WithAWarning_AndStillStartsWhenRoomFrees()
    {
        await using var dev = await StartAsync(nodes: 2);
        ApplyAll(dev, 1);
        await WaitForPhasesAsync(dev, phases => phases.GetValueOrDefault(Name(0)) == "Running", "the first group to run", TimeSpan.FromMinutes(1));

        var late = Group(1);
        late["spec"]!["scheduling"] = new JsonObject { ["gangTimeout"] = "3s" };
        var file = dev.ScratchPath("late.yaml");
        File.WriteAllText(file, late.ToJsonString());
        dev.Kubectl("apply", "-f", file).ExitCode.ShouldBe(0);

        JsonObject? Scheduled(JsonObject? group) => group?["status"]?["conditions"]?.AsArray().OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == "Scheduled");
        await Eventually.HoldsAsync(async () => (string?)Scheduled(await dev.GetAsync(Kinds.EPGroup.Plural, Name(1)))?["reason"] == "WaitingForCapacity", "the late group to wait for capacity", TimeSpan.FromMinutes(1));
        await Eventually.HoldsAsync(async () => (string?)Scheduled(await dev.GetAsync(Kinds.EPGroup.Plural, Name(1)))?["reason"] == "Unschedulable", "the late group to be Unschedulable after its 3s gang timeout", TimeSpan.FromMinutes(1));

        var group = (await dev.GetAsync(Kinds.EPGroup.Plural, Name(1)))!;
        ((string?)group["status"]!["phase"]).ShouldBe("Pending");
        ((string?)Scheduled(group)!["message"]).ShouldStartWith("the whole group has not fit for 3s (spec.scheduling.gangTimeout), still waiting for capacity: needs 2 nodes with 8 free GPUs each");
        // The operator records the warning after it writes the condition, so the event may trail it.
        async Task<int> WarningsAsync() => (await ListAsync(dev, $"/apis/events.k8s.io/v1/namespaces/{Ns}/events"))
            .Count(e => (string?)e["reason"] == "Unschedulable" && (string?)e["regarding"]?["name"] == Name(1) && (string?)e["type"] == "Warning");
        await Eventually.HoldsAsync(async () => await WarningsAsync() > 0, "the Unschedulable warning event", TimeSpan.FromMinutes(1));
        (await ListAsync(dev, $"/api/v1/namespaces/{Ns}/pods")).Count.ShouldBe(2, "no pod of the late group exists while it does not fit");

        dev.Kubectl("delete", "epgroup", "-n", Ns, Name(0), "--wait=false").ExitCode.ShouldBe(0);
        await WaitForPhasesAsync(dev, phases => phases.GetValueOrDefault(Name(1)) == "Running", "the late group to run once room frees", TimeSpan.FromMinutes(2));
        (await WarningsAsync()).ShouldBe(1, "one warning over every look at the waiting group, not one per look");
        dev.Cluster.Errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task GroupsCreatedFromSeveralClientsAtOnce_RunWithoutSharingANode()
    {
        await using var dev = await StartAsync(nodes: 20);

        // Five clients, two groups each, all at once.
        await Task.WhenAll(Enumerable.Range(0, 5).Select(client => Task.Run(async () =>
        {
            foreach (var i in new[] { client, client + 5 })
            {
                await dev.CreateAsync(Kinds.EPGroup.Plural, Group(i));
            }
        })));

        await WaitForPhasesAsync(dev, phases => phases.Count == 10 && phases.Values.All(p => p == nameof(EPGroupPhase.Running)), "all ten groups to run", TimeSpan.FromMinutes(2));
        var pods = await ListAsync(dev, $"/api/v1/namespaces/{Ns}/pods");
        pods.Select(p => (string?)p["spec"]!["nodeName"]).Distinct().Count().ShouldBe(20, "one pod of 8 ranks per node");
        await ShouldNotOverCommitAsync(dev);
    }

    [Fact]
    public async Task APodThatCannotRunWhereItWasPinned_IsAPlacementFailure_AndTheGroupIsPlacedElsewhereWithinOneBackoff()
    {
        // The operator watches only its namespace, so a pod of another namespace holding every GPU of dev-node-0 is
        // invisible to it, as pods of namespaces an operator does not watch are in a real cluster.
        await using var dev = await StartAsync(nodes: 4, watchOnly: [Ns]);
        (await dev.Json.SendAsync(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "others" } })).Status.ShouldBe(System.Net.HttpStatusCode.Created);
        // As in a real cluster, a pod is refused (403) until the service-account controller has made the new
        // namespace's default account.
        await Eventually.HoldsAsync(async () => (await dev.Json.SendAsync(HttpMethod.Get, "/api/v1/namespaces/others/serviceaccounts/default")).Status == System.Net.HttpStatusCode.OK, "the default service account of namespace others", TimeSpan.FromSeconds(60));
        var blocker = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "blocker", ["namespace"] = "others" },
            ["spec"] = new JsonObject
            {
                ["nodeName"] = NodeBuilder.NameOf(0),
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "example.com/other:1", ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["nvidia.com/gpu"] = "8" } } }),
            },
        };
        (await dev.Json.SendAsync(HttpMethod.Post, "/api/v1/namespaces/others/pods", blocker)).Status.ShouldBe(System.Net.HttpStatusCode.Created);
        var group = Group(0);
        group["spec"]!["failurePolicy"] = new JsonObject { ["initialBackoff"] = "2s", ["maxBackoff"] = "4s" };

        await dev.CreateAsync(Kinds.EPGroup.Plural, group);

        // Placed on leaf-0 (dev-node-0 and 1), found unschedulable on dev-node-0, placed again without it.
        await WaitForPhasesAsync(dev, phases => phases.GetValueOrDefault(Name(0)) == "Running", "the group to run after being placed again", TimeSpan.FromSeconds(60));
        var pods = await ListAsync(dev, $"/api/v1/namespaces/{Ns}/pods");
        pods.Select(p => (string?)p["spec"]!["nodeName"]).ShouldNotContain(NodeBuilder.NameOf(0));
        var status = (await dev.GetAsync(Kinds.EPGroup.Plural, Name(0)))!["status"]!;
        ((int?)status["restarts"]).ShouldBe(0, "a placement failure is not a restart");
        var events = await ListAsync(dev, $"/apis/events.k8s.io/v1/namespaces/{Ns}/events");
        var failure = events.Select(e => (string?)e["note"]).OfType<string>().Where(n => n.Contains("cannot be scheduled on dev-node-0", StringComparison.Ordinal)).ShouldHaveSingleItem();
        failure.ShouldContain("Insufficient nvidia.com/gpu");
        failure.ShouldContain("placing the group again without dev-node-0 (no restart is counted)");
        await ShouldNotOverCommitAsync(dev);
    }
}
