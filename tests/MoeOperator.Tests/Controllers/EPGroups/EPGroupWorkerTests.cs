using System.Text.Json.Nodes;
using k8s;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.Hosting;
using MoeOperator.Testing;
using Xunit.Abstractions;

namespace MoeOperator.Tests.Controllers.EPGroups;

/// <summary>
/// An EPGroup whose pods run the real moe-worker on the dev cluster (4 nodes x 2 GPUs): the ranks meet over TCP by
/// their DNS names, route Zipf-skewed tokens, report load on their pods, and switch to the map the operator publishes.
/// </summary>
public sealed class EPGroupWorkerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Ns = "ep-real";
    private EPGroupCluster _ep = null!;

    public async Task InitializeAsync()
    {
        var worker = WorkerProgram.ForDevCluster();
        var program = worker.Value with { Environment = new Dictionary<string, string>(worker.Value.Environment) { ["MOE_EP_REPORT_INTERVAL"] = "1" } };
        _ep = await EPGroupCluster.StartAsync(Ns, data => new KubeletOptions
        {
            DataDirectory = data,
            SyncPeriod = TimeSpan.FromMilliseconds(200),
            Programs = new Dictionary<string, LocalProgram> { [worker.Key] = program },
        });
    }

    public async Task DisposeAsync() => await _ep.DisposeAsync();

    [Fact]
    public async Task RealRanks_BecomeReady_AndTheMeasuredLoadImbalanceDropsAfterTheOperatorRebalances()
    {
        var group = EPGroupCluster.Sample("epgroup-demo.yaml", "demo");
        group["spec"]!["eplb"]!["interval"] = "2s";
        group["spec"]!["kernelSelfTest"] = true;
        await _ep.CreateAsync(group);

        await _ep.WaitForStatusAsync("demo", s => (string?)s?["phase"] == "Running" && (int?)s["readyRanks"] == 4, "4 ready ranks", TimeSpan.FromSeconds(120));

        // A user debugging a rank: kubectl logs -f streams it as it writes, kubectl exec runs in its sandbox.
        using var followed = StreamingProcess.Start(Tools.Kubectl, ["--kubeconfig", _ep.Kubeconfig, "logs", "-f", "demo-0", "-n", Ns]);
        var ls = _ep.Kubectl("exec", "demo-0", "-n", Ns, "--", "ls", "/", "/etc/moe/expert-map");
        ls.ExitCode.ShouldBe(0, ls.Output);
        ls.Stdout.Split('\n').ShouldContain("etc", "ls / lists the sandbox's root");
        ls.Stdout.Split('\n').ShouldContain("expert-map.json", "the pod's expert-map volume is mounted in the exec's view");
        var selfTest = await _ep.Client.CoreV1.ReadNamespacedPodLogAsync("demo-1", Ns, container: "kernel-selftest");
        using (var reader = new StreamReader(selfTest))
        {
            (await reader.ReadToEndAsync()).ShouldContain("checks passed", customMessage: "each pod checks its kernels before its ranks start");
        }

        var status = await _ep.WaitForStatusAsync(
            "demo",
            s => (long?)s?["expertMap"]?["version"] >= 2 && (long?)s?["expertMap"]?["measuredVersion"] == (long?)s?["expertMap"]?["version"],
            "a rebalance, then a measurement under the new map",
            TimeSpan.FromSeconds(120));

        var map = status["expertMap"]!;
        var before = (double)map["imbalanceBefore"]!;
        var expected = (double)map["imbalanceAfter"]!;
        var measured = (double)map["measuredImbalance"]!;
        output.WriteLine($"GPU load max/mean: measured before {before}, expected after {expected}, measured after {measured}");
        before.ShouldBeGreaterThan(1.1, "the Zipf-skewed routing must make the identity map uneven");
        measured.ShouldBeLessThan(before, "the ranks' own counts under the new map must be more even");

        await Eventually.HoldsAsync(
            () => followed.Lines.Any(l => l.Contains("switched to expert map version", StringComparison.Ordinal)),
            "kubectl logs -f to show the rank's map switch, written after it started following",
            TimeSpan.FromSeconds(60),
            () => string.Join('\n', followed.Lines));
        followed.HasExited.ShouldBeFalse("kubectl logs -f keeps following a running rank");

        var logs = await _ep.Client.CoreV1.ReadNamespacedPodLogAsync("demo-0", Ns);
        using (var reader = new StreamReader(logs))
        {
            (await reader.ReadToEndAsync()).ShouldContain("connected to all 4 ranks");
        }

        await _ep.Json.SendAsync(HttpMethod.Delete, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/epgroups/demo");
        await Eventually.HoldsAsync(async () => (await _ep.PodsAsync("demo")).Count == 0, "the pods to go", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task AnImageChange_ReplacesEveryRealRankAtOnce_NeverMixingVersions_AndTheGroupIsReadyAgain()
    {
        var group = EPGroupCluster.Sample("epgroup-demo.yaml", "upgrade");
        await _ep.CreateAsync(group);
        await _ep.WaitForStatusAsync("upgrade", s => (int?)s?["readyRanks"] == 4 && (long?)s?["observedGeneration"] == 1, "4 ready ranks at generation 1", TimeSpan.FromSeconds(120));
        var oldPods = (await _ep.PodsAsync("upgrade")).Select(p => (string?)p["metadata"]!["uid"]).ToHashSet();

        // Every image any pod of the group has at once, terminating pods included: their ranks still run.
        var mixed = new List<string>();
        using var stopWatching = new CancellationTokenSource();
        var watching = Task.Run(async () =>
        {
            while (!stopWatching.IsCancellationRequested)
            {
                var images = (await _ep.PodsAsync("upgrade")).Select(p => (string?)p["spec"]!["containers"]![0]!["image"]).Distinct().ToList();
                if (images.Count > 1)
                {
                    mixed.Add(string.Join(" + ", images));
                }

                await Task.Delay(50);
            }
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var patch = new JsonObject { ["spec"] = new JsonObject { ["image"] = "ghcr.io/moe-operator/moe-worker:0.2.0" } };
        var (code, body) = await _ep.Json.SendAsync(HttpMethod.Patch, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/epgroups/upgrade", patch, "application/merge-patch+json");
        ((int)code).ShouldBe(200, body?.ToJsonString());

        var status = await _ep.WaitForStatusAsync("upgrade", s => (string?)s?["phase"] == "Running" && (int?)s["readyRanks"] == 4 && (long?)s["observedGeneration"] == 2, "4 ready ranks on the new image", TimeSpan.FromSeconds(120));
        output.WriteLine($"image change of 4 real ranks: Ready again {clock.Elapsed.TotalSeconds:0.0} s after the patch");
        await stopWatching.CancelAsync();
        await watching;

        mixed.ShouldBeEmpty("ranks of two images ran at once");
        var pods = await _ep.PodsAsync("upgrade");
        pods.ShouldAllBe(p => (string?)p["spec"]!["containers"]![0]!["image"] == "ghcr.io/moe-operator/moe-worker:0.2.0");
        pods.Select(p => (string?)p["metadata"]!["uid"]).Intersect(oldPods).ShouldBeEmpty();
        ((int?)status["restarts"]).ShouldBe(0, "an update is not a restart");
        ((string?)status["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "Updating")!["reason"]).ShouldBe("Updated");
        using var logs = new StreamReader(await _ep.Client.CoreV1.ReadNamespacedPodLogAsync("upgrade-0", Ns));
        (await logs.ReadToEndAsync()).ShouldContain("connected to all 4 ranks");
    }

    [Fact]
    public async Task KillingARealRank_RestartsTheWholeGroupAfterBackoff_AndFailsItWhenRestartsRunOut()
    {
        var group = EPGroupCluster.Sample("epgroup-demo.yaml", "fragile");
        group["spec"]!["failurePolicy"] = new JsonObject { ["maxRestarts"] = 1, ["initialBackoff"] = "1s", ["maxBackoff"] = "2s" };
        await _ep.CreateAsync(group);
        await _ep.WaitForStatusAsync("fragile", s => (int?)s?["readyRanks"] == 4, "4 ready ranks", TimeSpan.FromSeconds(120));
        var firstPods = (await _ep.PodsAsync("fragile")).Select(p => (string?)p["metadata"]!["uid"]).ToHashSet();

        _ep.Cluster.KillContainer(Ns, "fragile-1").ShouldBeTrue();
        var restarted = await _ep.WaitForStatusAsync("fragile", s => (int?)s?["restarts"] == 1, "a whole-group restart", TimeSpan.FromSeconds(60));
        // The killed rank exits 137; its peers find the connection gone and exit 1 naming it: either may be seen first.
        ((string?)restarted["lastFailure"]!["message"] ?? "").ShouldMatch("exited with code (137|1)$");
        await _ep.WaitForStatusAsync("fragile", s => (string?)s?["phase"] == "Running" && (int?)s["readyRanks"] == 4, "the group running again", TimeSpan.FromSeconds(120));
        (await _ep.PodsAsync("fragile")).ShouldAllBe(p => !firstPods.Contains((string?)p["metadata"]!["uid"]), "every pod of the group was replaced, not only the killed one");

        _ep.Cluster.KillContainer(Ns, "fragile-0").ShouldBeTrue();
        var failed = await _ep.WaitForPhaseAsync("fragile", "Failed", TimeSpan.FromSeconds(60));
        ((string?)failed["conditions"]!.AsArray().First(c => (string?)c!["type"] == "Ready")!["reason"]).ShouldBe("RestartsExhausted");
        await Eventually.HoldsAsync(async () => (await _ep.PodsAsync("fragile")).Count == 0, "the failed group's pods to be deleted", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task OneKilledRank_CostsOneRestart_FiveTimesInARow_AndTheGroupThenKeepsRunning()
    {
        // The demo's group (FP8 experts, Zipf-skewed routing, spare slots for replicas), with the first kill before
        // the operator's first rebalance: restart, then a new map, then steps, the sequence that once crashed a rank.
        var group = EPGroupCluster.Sample("epgroup-demo.yaml", "sturdy");
        group["spec"]!["eplb"]!["interval"] = "8s";
        group["spec"]!["failurePolicy"] = new JsonObject { ["maxRestarts"] = 10, ["initialBackoff"] = "1s", ["maxBackoff"] = "2s" };
        await _ep.CreateAsync(group);
        await _ep.WaitForStatusAsync("sturdy", s => (string?)s?["phase"] == "Running" && (int?)s["readyRanks"] == 4, "4 ready ranks", TimeSpan.FromSeconds(120));

        for (var kill = 1; kill <= 5; kill++)
        {
            _ep.Cluster.KillContainer(Ns, $"sturdy-{kill % 2}").ShouldBeTrue();
            var expected = kill;
            await _ep.WaitForStatusAsync("sturdy", s => (int?)s?["restarts"] >= expected, $"restart {kill}", TimeSpan.FromSeconds(60));
            var running = await _ep.WaitForStatusAsync("sturdy", s => (string?)s?["phase"] == "Running" && (int?)s["readyRanks"] == 4, $"the group running again after kill {kill}", TimeSpan.FromSeconds(120));
            ((int?)running["restarts"]).ShouldBe(kill, $"kill {kill} must cost exactly one restart: {running["lastFailure"]?.ToJsonString()}");
            (await _ep.PodsAsync("sturdy")).ShouldAllBe(p => (string?)p["metadata"]!["labels"]![EPGroupNames.AttemptLabel] == kill.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (kill == 1)
            {
                // The restarted group switches to the operator's first rebalanced map and keeps computing.
                await _ep.WaitForStatusAsync("sturdy", s => (long?)s?["expertMap"]?["version"] >= 2 && (long?)s?["expertMap"]?["measuredVersion"] == (long?)s?["expertMap"]?["version"], "a new map measured by the restarted ranks", TimeSpan.FromSeconds(120));
            }
        }

        // Then it keeps running: no further failure, the ranks still reporting under the current map. CI watches it
        // for 30 s; MOE_SOAK_SECONDS=180 is the three-minute soak.
        var soak = TimeSpan.FromSeconds(double.TryParse(Environment.GetEnvironmentVariable("MOE_SOAK_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out var seconds) ? seconds : 30);
        var until = DateTime.UtcNow + soak;
        while (DateTime.UtcNow < until)
        {
            var status = (await _ep.GroupAsync("sturdy"))!["status"]!;
            ((int?)status["restarts"]).ShouldBe(5, $"no failure after the kills: {status["lastFailure"]?.ToJsonString()}");
            ((string?)status["phase"]).ShouldBe("Running");
            await Task.Delay(TimeSpan.FromSeconds(5));
        }

        var final = (await _ep.GroupAsync("sturdy"))!["status"]!;
        ((long?)final["expertMap"]!["measuredVersion"]).ShouldBe((long?)final["expertMap"]!["version"], "the ranks measure load under the map the operator publishes");
        output.WriteLine($"after {soak}: restarts {final["restarts"]}, expert map v{final["expertMap"]!["version"]}, measured imbalance {final["expertMap"]!["measuredImbalance"]}");
    }
}
