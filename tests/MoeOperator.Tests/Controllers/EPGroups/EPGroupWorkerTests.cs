using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Hosting;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Hosting;
using MoeOperator.Runtime.Metrics;
using MoeOperator.Testing;
using Xunit.Abstractions;

namespace MoeOperator.Tests.Controllers.EPGroups;

/// <summary>
/// An EPGroup whose pods run the real moe-worker on the dev cluster (4 nodes x 2 GPUs): the ranks meet over TCP by
/// their DNS names, route Zipf-skewed tokens, report load on their pods, and switch to the map the operator publishes.
/// </summary>
public sealed class EPGroupWorkerTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Ns = "ep-real";
    private readonly ScratchDirectory _scratch = new();
    private readonly CancellationTokenSource _stop = new();
    private LocalCluster _cluster = null!;
    private Kubernetes _client = null!;
    private KubernetesJsonClient _json = null!;
    private Task _operator = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        var worker = WorkerProgram.ForDevCluster();
        var program = worker.Value with { Environment = new Dictionary<string, string>(worker.Value.Environment) { ["MOE_EP_REPORT_INTERVAL"] = "1" } };
        _cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Nodes = new NodePoolSpec { Nodes = 4, GpusPerNode = 2 },
            Kubelet = new KubeletOptions
            {
                DataDirectory = _scratch.Path("data"),
                SyncPeriod = TimeSpan.FromMilliseconds(200),
                Programs = new Dictionary<string, LocalProgram> { [worker.Key] = program },
            },
        });
        _client = new Kubernetes(_cluster.Server.ClientConfiguration());
        _json = new KubernetesJsonClient(_client);
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } });
        foreach (var kind in Kinds.All)
        {
            await _client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(CrdGenerator.Build(kind));
        }

        var host = new OperatorHost(new OperatorOptions(), _client, new RuntimeMetrics(Prometheus.Metrics.NewCustomRegistry()), NullLoggerFactory.Instance, TimeProvider.System);
        _operator = host.RunAsync([EPGroupController.Registration()], _stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _operator.WaitAsync(TimeSpan.FromSeconds(20));
        _client.Dispose();
        await _cluster.DisposeAsync();
    }

    public void Dispose()
    {
        _stop.Dispose();
        _scratch.Dispose();
    }

    [Fact]
    public async Task RealRanks_BecomeReady_AndTheMeasuredLoadImbalanceDropsAfterTheOperatorRebalances()
    {
        var group = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", "epgroup-demo.yaml"))).Single();
        group["metadata"]!["name"] = "demo";
        group["spec"]!["eplb"]!["interval"] = "2s";
        var (created, body) = await _json.SendAsync(HttpMethod.Post, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/epgroups", group);
        ((int)created).ShouldBe(201, body?.ToJsonString());

        await WaitAsync(s => (string?)s?["phase"] == "Running" && (int?)s["readyRanks"] == 4, "4 ready ranks");
        var status = await WaitAsync(
            s => (long?)s?["expertMap"]?["version"] >= 2 && (long?)s?["expertMap"]?["measuredVersion"] == (long?)s?["expertMap"]?["version"],
            "a rebalance, then a measurement under the new map");

        var map = status["expertMap"]!;
        var before = (double)map["imbalanceBefore"]!;
        var expected = (double)map["imbalanceAfter"]!;
        var measured = (double)map["measuredImbalance"]!;
        output.WriteLine($"GPU load max/mean: measured before {before}, expected after {expected}, measured after {measured}");
        before.ShouldBeGreaterThan(1.1, "the Zipf-skewed routing must make the identity map uneven");
        measured.ShouldBeLessThan(before, "the ranks' own counts under the new map must be more even");

        var logs = await _client.CoreV1.ReadNamespacedPodLogAsync("demo-0", Ns);
        using (var reader = new StreamReader(logs))
        {
            (await reader.ReadToEndAsync()).ShouldContain("connected to all 4 ranks");
        }

        await _json.SendAsync(HttpMethod.Delete, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/epgroups/demo");
        await Eventually.HoldsAsync(async () => (await _json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Ns}/pods")).Body!["items"]!.AsArray().Count == 0, "the pods to go", TimeSpan.FromSeconds(60));
    }

    private async Task<JsonObject> WaitAsync(Func<JsonNode?, bool> condition, string what)
    {
        JsonObject? group = null;
        try
        {
            await Eventually.HoldsAsync(
                async () =>
                {
                    var (code, body) = await _json.SendAsync(HttpMethod.Get, $"/apis/moe.dev/v1alpha1/namespaces/{Ns}/epgroups/demo");
                    group = (int)code == 200 ? body!.AsObject() : null;
                    return condition(group?["status"]);
                },
                what,
                TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException e)
        {
            var (_, pods) = await _json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Ns}/pods");
            var summary = string.Join("; ", pods!["items"]!.AsArray().Select(p => $"{p!["metadata"]!["name"]} {p["status"]?["phase"]} {p["metadata"]?["annotations"]?[ExpertLoadReports.Annotation]}"));
            throw new TimeoutException($"{e.Message}; status: {group?["status"]?.ToJsonString()}; pods: {summary}", e);
        }

        return group!["status"]!.AsObject();
    }
}
