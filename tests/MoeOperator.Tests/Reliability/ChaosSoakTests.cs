using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.DevCluster.ThreeFS;
using MoeOperator.Hosting;
using MoeOperator.Runtime.Client;
using MoeOperator.Testing;
using Xunit.Abstractions;

namespace MoeOperator.Tests.Reliability;

/// <summary>
/// The soak: while a ThreeFSCluster, an EPGroup and a TrainingJob run under two operator replicas, bounded chaos
/// (<see cref="ChaosMonkey"/>) for MOE_SOAK_SECONDS (600 by default; tests/run.sh sets a short run for CI). Then
/// everything must converge to its spec: the 3FS cluster Ready with every chain serving, the group Running with
/// every rank ready, the job Succeeded; no duplicate children; no process left over from a pod that is gone; no 3FS
/// chain ever without a serving replica (the simulator's history); no data directory deleted; restarts counted
/// within what the chaos did. The seed (MOE_SOAK_SEED to repeat one) is printed first.
/// </summary>
public sealed class ChaosSoakTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Ns = "soak";
    private readonly ScratchDirectory _scratch = new();
    private LocalCluster _cluster = null!;
    private Kubernetes _client = null!;
    private KubernetesJsonClient _json = null!;

    private string Kubeconfig => _scratch.Path("kubeconfig");

    private string Data => _scratch.Path("data");

    public async Task InitializeAsync()
    {
        _cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Server = new DevApiServerOptions { KubeconfigPath = Kubeconfig },
            // The demo's pool, full: the group and the job take all eight GPUs; the 3FS daemons an RDMA device each.
            Nodes = new NodePoolSpec { Nodes = 4, GpusPerNode = 2, RdmaPerNode = 16 },
            Kubelet = new KubeletOptions { DataDirectory = Data, Programs = new[] { WorkerProgram.ForDevCluster(), ThreeFSSimProgram.ForDevCluster(Data) }.ToDictionary() },
            PodEvictionGrace = TimeSpan.FromSeconds(2),
        });
        _client = new Kubernetes(_cluster.Server.ClientConfiguration());
        _json = new KubernetesJsonClient(_client);
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } });
        foreach (var kind in Kinds.All)
        {
            await _client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(CrdGenerator.Build(kind));
        }
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _cluster.DisposeAsync();
    }

    public void Dispose() => _scratch.Dispose();

    private static int Setting(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    [Fact]
    public async Task UnderBoundedChaos_EverythingConvergesToItsSpec_WithNothingLostDuplicatedOrLeaked()
    {
        var seed = Setting("MOE_SOAK_SEED", Random.Shared.Next());
        var duration = TimeSpan.FromSeconds(Setting("MOE_SOAK_SECONDS", 600));
        output.WriteLine($"chaos soak: seed {seed} (MOE_SOAK_SEED={seed} repeats it), {duration.TotalSeconds:F0} s");
        await using var operators = new OperatorPair(Kubeconfig, Ns, _json);
        await operators.StartAsync();
        await CreateAsync("threefscluster-minimal.yaml", "tfs-soak", _ => { });
        await CreateAsync("epgroup-demo.yaml", "ep-soak", spec => spec["failurePolicy"] = new JsonObject { ["maxRestarts"] = 1000, ["initialBackoff"] = "1s", ["maxBackoff"] = "5s" });
        await CreateAsync("trainingjob-demo.yaml", "tj-soak", spec =>
        {
            spec["failurePolicy"] = new JsonObject { ["maxRestarts"] = 1000 };
            spec["checkpoint"]!["hostPath"]!["path"] = _scratch.Path("checkpoints");
        });
        ChaosMonkey? monkey = null;
        string Report() => $"seed {seed}\nchaos:\n{string.Join('\n', monkey?.Log ?? [])}\n{State()}\noperators:\n{string.Join('\n', operators.Logs)}";

        await WaitAsync(async () => Phase(await GetAsync(Kinds.ThreeFSCluster.Plural, "tfs-soak")) == "Ready" && Phase(await GetAsync(Kinds.EPGroup.Plural, "ep-soak")) == "Running", "the 3FS cluster and the group to run before the chaos", TimeSpan.FromMinutes(5), Report);
        var simulator = new SimStore(Path.Combine(Data, "3fs-sim", "dev-3fs"), SimTimings.Default);
        monkey = new ChaosMonkey(_cluster, operators, Ns, seed, () => simulator.Read() is { } state
            && state.Nodes.Values.Where(n => n.Type == "STORAGE").All(n => n.Up)
            && state.Targets.Values.Where(t => t.ChainId is not null).All(t => t.PublicState == TargetStates.Serving));
        var chaosEnds = DateTimeOffset.UtcNow + duration;
        while (DateTimeOffset.UtcNow < chaosEnds)
        {
            await monkey.StepAsync(() => GetAsync(Kinds.ThreeFSCluster.Plural, "tfs-soak"), PodsAsync, CancellationToken.None);
        }

        monkey.Stop();
        await operators.RestartExitedAsync();
        await WaitAsync(
            async () =>
            {
                var tfs = (await GetAsync(Kinds.ThreeFSCluster.Plural, "tfs-soak"))?["status"];
                var ep = (await GetAsync(Kinds.EPGroup.Plural, "ep-soak"))?["status"];
                return (string?)tfs?["phase"] == "Ready" && (int?)tfs?["chains"]?["serving"] == (int?)tfs?["chains"]?["total"]
                    && (string?)ep?["phase"] == "Running" && (int?)ep?["readyRanks"] == 4
                    && Phase(await GetAsync(Kinds.TrainingJob.Plural, "tj-soak")) == "Succeeded";
            },
            "everything to converge after the chaos",
            TimeSpan.FromMinutes(6),
            Report);

        // No duplicate children: each group rank pod and each 3FS daemon once.
        var pods = (await PodsAsync()).Where(p => p["metadata"]?["deletionTimestamp"] is null).ToList();
        pods.Count(p => (string?)p["metadata"]?["labels"]?["moe.dev/epgroup"] == "ep-soak").ShouldBe(2, Report());
        pods.Where(p => (string?)p["metadata"]?["labels"]?["moe.dev/threefscluster"] == "tfs-soak" && (string?)p["metadata"]?["labels"]?["moe.dev/component"] is "mgmtd" or "meta" or "storage")
            .GroupBy(p => (string?)p["metadata"]?["labels"]?["moe.dev/component"]).ToDictionary(g => g.Key!, g => g.Count())
            .ShouldBe(new Dictionary<string, int> { ["mgmtd"] = 1, ["meta"] = 1, ["storage"] = 3 }, ignoreOrder: true);

        // No process of a pod that is gone (or finished). The pods are read again on every try: a pod recreated
        // under the same name (a storage daemon) may still be Pending when the chaos ends and start its process later.
        var apiPort = new Uri(_cluster.Server.Url).Port;
        var leftOver = new List<string>();
        await WaitAsync(
            async () =>
            {
                var live = (await PodsAsync()).Where(p => p["metadata"]?["deletionTimestamp"] is null && Phase(p) is not ("Succeeded" or "Failed"))
                    .ToDictionary(p => (string)p["metadata"]!["name"]!, StringComparer.Ordinal);
                leftOver = [.. PodProcesses.Of(apiPort).Where(p => !live.ContainsKey(p.Value)).Select(p => $"pid {p.Key} of pod {p.Value} ({PodProcesses.CommandLine(p.Key)})")];
                return leftOver.Count == 0;
            },
            "no process left over from a pod that is gone",
            TimeSpan.FromSeconds(60),
            () => $"{string.Join('\n', leftOver)}\n{Report()}");

        // No chain ever lost its last serving replica, and no data directory went.
        var history = simulator.History();
        history.ShouldNotBeEmpty();
        history.Where(t => t.To.StartsWith("LASTSRV", StringComparison.Ordinal)).Select(t => $"{t.Time:O} target {t.TargetId} of chain {t.ChainId}: {t.From} -> {t.To}").ShouldBeEmpty(Report());
        Directory.Exists(Path.Combine(Data, "3fs-sim", "dev-3fs")).ShouldBeTrue();

        // Restarts: at least one per disrupted group, never more than the disruptions that hit it.
        var restarts = (int?)(await GetAsync(Kinds.EPGroup.Plural, "ep-soak"))?["status"]?["restarts"] ?? 0;
        var disruptions = monkey.GroupDisruptions.GetValueOrDefault("ep-soak");
        restarts.ShouldBeLessThanOrEqualTo(disruptions, Report());
        if (disruptions > 0)
        {
            restarts.ShouldBeGreaterThan(0, Report());
        }

        await operators.RestartExitedAsync();
        operators.UnexpectedExits.ShouldBeEmpty(Report());
        if (duration >= TimeSpan.FromMinutes(2))
        {
            monkey.Log.ShouldContain(l => l.Contains("3FS storage", StringComparison.Ordinal) || l.Contains(" down until ", StringComparison.Ordinal), "a run this long disrupts 3FS at least once, or its bound is never open: " + Report());
        }
        output.WriteLine(string.Join('\n', monkey.Log));
    }

    // What the resources and pods show, read with kubectl (the report of a timeout).
    private string State()
    {
        ProcessResult Kubectl(params string[] arguments) => Tools.Run(Tools.Kubectl, ["--kubeconfig", Kubeconfig, "--cache-dir", _scratch.Path("kube-cache"), .. arguments], timeout: TimeSpan.FromSeconds(60));
        return $"{Kubectl("get", "pods,nodes", "-A", "-o", "wide").Output}\n{Kubectl("get", "epgroups,threefsclusters,trainingjobs", "-n", Ns, "-o", "jsonpath={range .items[*]}{.kind}/{.metadata.name}: {.status}{'\\n'}{end}").Output}";
    }

    private async Task CreateAsync(string sample, string name, Action<JsonObject> editSpec)
    {
        var resource = YamlDocuments.Parse(await File.ReadAllTextAsync(RepoPaths.Of("crds", "samples", sample))).Single();
        resource["metadata"]!["name"] = name;
        resource["metadata"]!["namespace"] = Ns;
        editSpec(resource["spec"]!.AsObject());
        var plural = Kinds.All.Single(k => k.Kind == (string?)resource["kind"]).Plural;
        var (status, body) = await _json.SendAsync(HttpMethod.Post, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/{plural}", resource);
        ((int)status).ShouldBe(201, body?.ToJsonString());
    }

    private async Task<JsonObject?> GetAsync(string plural, string name)
    {
        var (status, body) = await _json.SendAsync(HttpMethod.Get, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/{plural}/{name}");
        return status == System.Net.HttpStatusCode.OK ? body as JsonObject : null;
    }

    private async Task<List<JsonObject>> PodsAsync()
    {
        var (_, body) = await _json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Ns}/pods");
        return [.. body?["items"]?.AsArray().OfType<JsonObject>() ?? []];
    }

    private static string? Phase(JsonObject? resource) => (string?)resource?["status"]?["phase"];

    // Requests may fail while the chaos injects failures: a failed poll is a "not yet".
    private static Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan limit, Func<string> report) =>
        Eventually.HoldsAsync(
            async () =>
            {
                try
                {
                    return await condition();
                }
                catch (Exception e) when (e is HttpRequestException or ApiRequestException or TaskCanceledException)
                {
                    return false;
                }
            },
            what,
            limit,
            report);
}
