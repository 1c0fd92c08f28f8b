using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.Tests.Controllers;

namespace MoeOperator.Tests.Security;

/// <summary>
/// The operator never crashes on what it reads: resources with only their required fields, a status emptied or
/// written by an older version (fields it no longer has, others it lacks), and children edited or deleted by hand.
/// It converges again each time, and nothing it logs is a fault of its own code (only API answers, retried).
/// </summary>
public sealed class HostileObjectsTests : IAsyncLifetime
{
    private const string Ns = "hostile";
    private OperatorDevCluster _dev = null!;

    public async Task InitializeAsync() => _dev = await OperatorDevCluster.StartAsync(
        Ns,
        new NodePoolSpec { Nodes = 3, GpusPerNode = 8 },
        data => new KubeletOptions { DataDirectory = data, SimulatedStartDelay = TimeSpan.FromMilliseconds(200), SyncPeriod = TimeSpan.FromMilliseconds(100) },
        OperatorDevCluster.AllControllers());

    public async Task DisposeAsync() => await _dev.DisposeAsync();

    private static JsonObject Resource(string kind, string name, JsonObject spec) => new()
    {
        ["apiVersion"] = "moe.dev/v1alpha1",
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Ns },
        ["spec"] = spec,
    };

    private Task<JsonObject> RunningAsync(string name) =>
        _dev.WaitForStatusAsync(Kinds.EPGroup.Plural, name, s => (string?)s?["phase"] == "Running", $"{name} to run", TimeSpan.FromSeconds(90), () => Task.FromResult(_dev.Kubectl("get", "pods,svc,cm", "-n", Ns).Output));

    private async Task DeleteAsync(string path) => (await _dev.Json.SendAsync(HttpMethod.Delete, path)).Status.ShouldBeOneOf(System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.Accepted);

    [Fact]
    public async Task BareResources_StaleStatus_AndChildrenChangedByHand_NeverCrashTheOperator()
    {
        // Only the required fields: everything else is the server's defaults or absent.
        await _dev.CreateAsync(Kinds.EPGroup.Plural, Resource("EPGroup", "bare", new JsonObject { ["ranks"] = 8, ["image"] = "moe-worker" }));
        await _dev.CreateAsync(Kinds.TrainingJob.Plural, Resource("TrainingJob", "bare-job", new JsonObject
        {
            ["image"] = "moe-worker",
            ["training"] = new JsonObject { ["steps"] = 2 },
            ["data"] = new JsonObject { ["hostPath"] = new JsonObject { ["path"] = _dev.ScratchPath("data") } },
        }));
        await _dev.CreateAsync(Kinds.ThreeFSCluster.Plural, Resource("ThreeFSCluster", "bare-3fs", new JsonObject
        {
            ["image"] = "3fs",
            ["clusterId"] = "bare",
            ["foundationDB"] = new JsonObject { ["managed"] = new JsonObject() },
            ["storage"] = new JsonObject { ["replicas"] = 3, ["diskPaths"] = new JsonArray("/data/a", "/data/b"), ["targetsPerDisk"] = 8 },
        }));
        await RunningAsync("bare");
        await _dev.WaitForStatusAsync(Kinds.TrainingJob.Plural, "bare-job", s => s?["conditions"] is not null, "the bare TrainingJob to get conditions", TimeSpan.FromSeconds(60), () => Task.FromResult(""));
        await _dev.WaitForStatusAsync(Kinds.ThreeFSCluster.Plural, "bare-3fs", s => s?["conditions"] is not null, "the bare ThreeFSCluster to get conditions", TimeSpan.FromSeconds(60), () => Task.FromResult(""));

        // A status as an older operator left it: fields this one no longer has (pruned by the schema), none of the
        // ones it keeps now, a condition type it does not know.
        var stale = new JsonObject
        {
            ["phase"] = "Running",
            ["legacyField"] = "from v0",
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Balanced", ["status"] = "True", ["reason"] = "Old", ["message"] = "", ["lastTransitionTime"] = "2025-01-01T00:00:00Z" }),
        };
        var (patched, answer) = await _dev.Json.SendAsync(HttpMethod.Patch, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/epgroups/bare/status", new JsonObject { ["status"] = stale }, "application/merge-patch+json");
        patched.ShouldBe(System.Net.HttpStatusCode.OK, answer?.ToJsonString());
        await _dev.WaitForStatusAsync(Kinds.EPGroup.Plural, "bare", s => s?["readyRanks"] is not null && s["expertMap"] is not null && s["conditions"]?.AsArray().Any(c => (string?)c?["type"] == "Ready") == true, "the operator to rebuild the status", TimeSpan.FromSeconds(60), () => Task.FromResult(""));

        // Children changed by hand: the Service and expert map deleted, a rank's labels stripped.
        await DeleteAsync($"/api/v1/namespaces/{Ns}/services/{EPGroupNames.Service("bare")}");
        await DeleteAsync($"/api/v1/namespaces/{Ns}/configmaps/{EPGroupNames.ExpertMap("bare")}");
        await _dev.Json.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{Ns}/pods/{EPGroupNames.Pod("bare", 0)}", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = null } }, "application/merge-patch+json");
        await Testing.Eventually.HoldsAsync(async () =>
            (await _dev.Json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Ns}/services/{EPGroupNames.Service("bare")}")).Status == System.Net.HttpStatusCode.OK
            && (await _dev.Json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Ns}/configmaps/{EPGroupNames.ExpertMap("bare")}")).Status == System.Net.HttpStatusCode.OK,
            "the Service and the expert map to be made again", TimeSpan.FromSeconds(60), () => _dev.Kubectl("get", "pods,svc,cm", "-n", Ns).Output);
        await RunningAsync("bare");

        // A TrainingJob named like the running group: its children's names are taken, and it says so rather than
        // taking the group's pods and Service over.
        await _dev.CreateAsync(Kinds.TrainingJob.Plural, Resource("TrainingJob", "bare", new JsonObject
        {
            ["image"] = "moe-worker",
            ["training"] = new JsonObject { ["steps"] = 2 },
            ["data"] = new JsonObject { ["hostPath"] = new JsonObject { ["path"] = _dev.ScratchPath("data") } },
        }));
        var clash = await _dev.WaitForStatusAsync(Kinds.TrainingJob.Plural, "bare", s => s?["conditions"]?.AsArray().Any(c => (string?)c?["reason"] == "FailedCreate") == true, "the clashing TrainingJob to say its names are taken", TimeSpan.FromSeconds(60), () => Task.FromResult(""));
        clash["conditions"]!.AsArray().First(c => (string?)c!["reason"] == "FailedCreate")!["message"]!.GetValue<string>().ShouldContain("is controlled by EPGroup \"bare\", not by TrainingJob \"bare\"");
        (await _dev.GetAsync(Kinds.EPGroup.Plural, "bare"))!["status"]!["phase"]!.GetValue<string>().ShouldBe("Running");

        _dev.Errors.Crashes().ShouldBeEmpty();
    }
}
