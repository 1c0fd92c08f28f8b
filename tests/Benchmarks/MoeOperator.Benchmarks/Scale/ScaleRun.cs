using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Planning.Resources;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Informers;

namespace MoeOperator.Benchmarks.Scale;

/// <summary>
/// The scale run of the reliability issue: a dev cluster of simulated nodes and pods (no process per pod) in this
/// process, the shipped operator as a process of its own, and every EPGroup created at once from 16 clients. It
/// measures until every group is Running with every pod Ready (or the limit passes), then restarts the operator
/// and counts the writes the new one makes while reconciling settled groups (there must be none).
/// </summary>
public static class ScaleRun
{
    private const string Ns = "scale";

    public static async Task<ScaleReport> RunAsync(ScaleOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        var scratch = Directory.CreateTempSubdirectory("moe-scale-");
        try
        {
            var kubeconfig = Path.Combine(scratch.FullName, "kubeconfig");
            await using var cluster = await LocalCluster.StartAsync(
                new LocalClusterOptions
                {
                    Server = new DevApiServerOptions { KubeconfigPath = kubeconfig },
                    Nodes = new NodePoolSpec { Nodes = options.Nodes, GpusPerNode = options.GpusPerNode },
                    Kubelet = new KubeletOptions { DataDirectory = Path.Combine(scratch.FullName, "data"), SimulatedStartDelay = options.StartDelay, Sandbox = false },
                },
                cancellationToken);
            using var client = new Kubernetes(cluster.Server.ClientConfiguration());
            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } }, cancellationToken: cancellationToken);
            foreach (var kind in Kinds.All)
            {
                await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(CrdGenerator.Build(kind), cancellationToken: cancellationToken);
            }

            using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var pods = Watch(client, "/api/v1", "pods", stopWatching.Token);
            var groups = Watch(client, "/apis/moe.dev/v1alpha1", Kinds.EPGroup.Plural, stopWatching.Token);
            await Task.WhenAll(pods.Synced, groups.Synced);

            var run = new Measurement(options, pods.Cache, groups.Cache);
            using (var first = await OperatorProcess.StartAsync(kubeconfig, Ns, options.KubeApiQps, cancellationToken))
            {
                progress.WriteLine($"creating {options.Groups} EPGroups of {options.PodsPerGroup} pods on {options.Nodes} nodes");
                var clock = Stopwatch.StartNew();
                await CreateGroupsAsync(new KubernetesJsonClient(client), options, cancellationToken);
                await run.FollowAsync(first, clock, progress, cancellationToken);
                run.Final = await first.ScrapeAsync(cancellationToken);
                run.PeakResidentBytes = first.PeakResidentBytes();
            }

            if (run.AllReady is not null)
            {
                using var second = await OperatorProcess.StartAsync(kubeconfig, Ns, options.KubeApiQps, cancellationToken);
                (run.ResyncWrites, run.ResyncReconciles) = await ResyncWritesAsync(second, options, cancellationToken);
            }

            await stopWatching.CancelAsync();
            return run.Report();
        }
        finally
        {
            try
            {
                scratch.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A pod directory still being written as the cluster stopped; the temp directory is the OS's to clean.
            }
        }
    }

    private static Informer Watch(Kubernetes client, string groupVersion, string plural, CancellationToken cancellationToken)
    {
        var informer = new Informer(plural, new KubernetesListWatchSource(client, new ResourceCollection(groupVersion, plural, Namespaced: true).PathIn(Ns)), new InformerOptions { ResyncPeriod = TimeSpan.Zero }, TimeProvider.System);
        _ = Task.Run(() => informer.RunAsync(cancellationToken), cancellationToken);
        return informer;
    }

    private static async Task CreateGroupsAsync(KubernetesJsonClient api, ScaleOptions options, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Groups), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, token) =>
        {
            var (status, body) = await api.SendAsync(HttpMethod.Post, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/{Kinds.EPGroup.Plural}", Group(i, options), cancellationToken: token);
            if ((int)status != 201)
            {
                throw new InvalidOperationException($"creating group {i} answered {(int)status}: {body?.ToJsonString()}");
            }
        });
    }

    // A group of PodsPerGroup pods of RanksPerPod ranks, with as many experts as the validation rules want.
    private static JsonObject Group(int i, ScaleOptions options)
    {
        var ranks = options.PodsPerGroup * options.RanksPerPod;
        return new JsonObject
        {
            ["apiVersion"] = "moe.dev/v1alpha1",
            ["kind"] = "EPGroup",
            ["metadata"] = new JsonObject { ["name"] = $"g{i:D4}", ["namespace"] = Ns },
            ["spec"] = new JsonObject
            {
                ["ranks"] = ranks,
                ["ranksPerNode"] = options.RanksPerPod,
                ["image"] = "ghcr.io/moe-operator/moe-worker:0.1.0",
                ["model"] = new JsonObject { ["hiddenSize"] = 256, ["experts"] = 4 * ranks, ["expertGroups"] = 4, ["topkGroups"] = 2, ["topk"] = 4 },
                ["transport"] = new JsonObject { ["backend"] = "TCP" },
            },
        };
    }

    // A freshly started operator reconciles every group once (its informers' first list); settled groups must cost
    // no write. Done when it has reconciled every group and its queue stayed empty for three seconds.
    private static async Task<(double Writes, int Reconciles)> ResyncWritesAsync(OperatorProcess fresh, ScaleOptions options, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(3);
        var quiet = 0;
        PrometheusSample sample;
        do
        {
            await Task.Delay(1000, cancellationToken);
            sample = await fresh.ScrapeAsync(cancellationToken);
            var reconciled = sample.Sum("controller_runtime_reconcile_total", l => l["controller"] == "epgroup");
            quiet = reconciled >= options.Groups && sample.Sum("workqueue_depth", l => l["name"] == "epgroup") == 0 ? quiet + 1 : 0;
        }
        while (quiet < 3 && DateTimeOffset.UtcNow < deadline);

        return (sample.Sum("rest_client_requests_total", l => l["method"] != "GET"), (int)sample.Sum("controller_runtime_reconcile_total", l => l["controller"] == "epgroup"));
    }

    // What the watchers see while the operator works, and what the report is made of.
    private sealed class Measurement(ScaleOptions options, ObjectCache pods, ObjectCache groups)
    {
        private readonly List<(double Seconds, double Depth)> _depth = [];

        public double? AllCreated { get; private set; }

        public double? AllReady { get; private set; }

        public PrometheusSample? Final { get; set; }

        public long PeakResidentBytes { get; set; }

        public double? ResyncWrites { get; set; }

        public int ResyncReconciles { get; set; }

        public async Task FollowAsync(OperatorProcess op, Stopwatch clock, TextWriter progress, CancellationToken cancellationToken)
        {
            var lastScrape = TimeSpan.FromSeconds(-1);
            while (AllReady is null && clock.Elapsed < options.Limit)
            {
                await Task.Delay(250, cancellationToken);
                var (created, ready, running) = Counts();
                AllCreated ??= created >= options.Pods ? clock.Elapsed.TotalSeconds : null;
                AllReady ??= ready >= options.Pods && running >= options.Groups ? clock.Elapsed.TotalSeconds : null;
                if (clock.Elapsed - lastScrape >= TimeSpan.FromSeconds(1))
                {
                    lastScrape = clock.Elapsed;
                    var depth = (await op.ScrapeAsync(cancellationToken)).Sum("workqueue_depth", l => l["name"] == "epgroup");
                    _depth.Add((clock.Elapsed.TotalSeconds, depth));
                    if (_depth.Count % 10 == 0)
                    {
                        progress.WriteLine($"{clock.Elapsed.TotalSeconds:0}s: {created} pods created, {ready} ready, {running} groups Running, queue {depth}");
                    }
                }
            }

            if (AllReady is null)
            {
                progress.WriteLine($"gave up after {options.Limit}; the operator's last lines:\n{op.Tail}");
            }
        }

        public ScaleReport Report()
        {
            var (created, ready, running) = Counts();
            var final = Final ?? PrometheusSample.Parse("");
            return new ScaleReport
            {
                Options = options,
                AllPodsCreatedSeconds = AllCreated,
                AllReadySeconds = AllReady,
                GroupsRunning = running,
                PodsCreated = created,
                PodsReady = ready,
                OverCommittedNodes = OverCommitted(),
                Requests = new[] { "GET", "POST", "PUT", "PATCH", "DELETE" }.ToDictionary(m => m, m => final.Sum("rest_client_requests_total", l => l["method"] == m), StringComparer.Ordinal),
                ResyncWrites = ResyncWrites,
                ResyncReconciles = ResyncReconciles,
                OperatorPeakResidentBytes = PeakResidentBytes,
                ReconcileP50Seconds = final.Quantile("controller_runtime_reconcile_time_seconds", 0.5, l => l["controller"] == "epgroup"),
                ReconcileP99Seconds = final.Quantile("controller_runtime_reconcile_time_seconds", 0.99, l => l["controller"] == "epgroup"),
                Reconciles = final.Sum("controller_runtime_reconcile_total", l => l["controller"] == "epgroup"),
                ReconcileErrors = final.Sum("controller_runtime_reconcile_errors_total", l => l["controller"] == "epgroup"),
                QueueDepth = _depth,
            };
        }

        // Read four times a second on the machine being measured: each stored version is looked at once.
        private static readonly CachedProjection<bool> _isReady =
            new(p => p["status"]?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True") == true);

        private static readonly CachedProjection<bool> _isRunning = new(g => (string?)g["status"]?["phase"] == nameof(EPGroupPhase.Running));

        private (int Created, int Ready, int Running) Counts() =>
            (pods.Count, pods.Select(_isReady).Count(r => r), groups.Select(_isRunning).Count(r => r));

        private int OverCommitted() =>
            pods.List().Where(p => PodResources.IsActive(p) && p["metadata"]?["deletionTimestamp"] is null && (string?)p["spec"]?["nodeName"] is { Length: > 0 })
                .GroupBy(p => (string)p["spec"]!["nodeName"]!)
                .Count(node => node.Sum(p => PodResources.Requests(p).GetValueOrDefault("nvidia.com/gpu")) > options.GpusPerNode);
    }
}
