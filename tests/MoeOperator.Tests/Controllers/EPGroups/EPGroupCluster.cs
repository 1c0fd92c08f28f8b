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
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Hosting;
using MoeOperator.Runtime.Metrics;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.EPGroups;

/// <summary>
/// A dev cluster of 4 nodes x 2 GPUs with the CRDs, one namespace and the EPGroup controller running in-process:
/// what every EPGroup integration test starts from, whether the worker image is simulated or real.
/// </summary>
internal sealed class EPGroupCluster : IAsyncDisposable
{
    private readonly ScratchDirectory _scratch = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _operator = Task.CompletedTask;

    private EPGroupCluster(string ns) => Namespace = ns;

    public string Namespace { get; }

    public LocalCluster Cluster { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    public KubernetesJsonClient Json { get; private set; } = null!;

    public RuntimeMetrics Metrics { get; } = new(Prometheus.Metrics.NewCustomRegistry());

    /// <param name="ns">The namespace the groups live in.</param>
    /// <param name="kubelet">Kubelet settings for a given (scratch) data directory.</param>
    public static async Task<EPGroupCluster> StartAsync(string ns, Func<string, KubeletOptions> kubelet)
    {
        var cluster = new EPGroupCluster(ns);
        cluster.Cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Nodes = new NodePoolSpec { Nodes = 4, GpusPerNode = 2 },
            Kubelet = kubelet(cluster._scratch.Path("data")),
        });
        cluster.Client = new Kubernetes(cluster.Cluster.Server.ClientConfiguration());
        cluster.Json = new KubernetesJsonClient(cluster.Client);
        await cluster.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        foreach (var kind in Kinds.All)
        {
            await cluster.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(CrdGenerator.Build(kind));
        }

        var host = new OperatorHost(new OperatorOptions(), cluster.Client, cluster.Metrics, NullLoggerFactory.Instance, TimeProvider.System);
        cluster._operator = host.RunAsync([EPGroupController.Registration()], cluster._stop.Token);
        return cluster;
    }

    /// <summary>A sample from crds/samples, renamed; the caller adjusts its spec.</summary>
    public static JsonObject Sample(string file, string name)
    {
        var group = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", file))).Single();
        group["metadata"]!["name"] = name;
        return group;
    }

    public async Task CreateAsync(JsonObject group)
    {
        var (status, body) = await Json.SendAsync(HttpMethod.Post, $"/apis/moe.dev/v1alpha1/namespaces/{Namespace}/epgroups", group);
        ((int)status).ShouldBe(201, body?.ToJsonString());
    }

    public async Task<JsonObject?> GroupAsync(string name)
    {
        var (status, body) = await Json.SendAsync(HttpMethod.Get, $"/apis/moe.dev/v1alpha1/namespaces/{Namespace}/epgroups/{name}");
        return (int)status == 200 ? body!.AsObject() : null;
    }

    public async Task<List<JsonObject>> PodsAsync(string name)
    {
        var (_, body) = await Json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Namespace}/pods?labelSelector={Uri.EscapeDataString($"{EPGroupNames.GroupLabel}={name}")}");
        return [.. body!["items"]!.AsArray().OfType<JsonObject>()];
    }

    /// <summary>Waits until the group's status satisfies <paramref name="condition"/>; a timeout reports the status and the pods.</summary>
    public async Task<JsonObject> WaitForStatusAsync(string name, Func<JsonNode?, bool> condition, string what, TimeSpan limit)
    {
        JsonObject? group = null;
        try
        {
            await Eventually.HoldsAsync(
                async () =>
                {
                    group = await GroupAsync(name);
                    return condition(group?["status"]);
                },
                what,
                limit);
        }
        catch (TimeoutException e)
        {
            var pods = string.Join("; ", (await PodsAsync(name)).Select(p =>
                $"{p["metadata"]!["name"]} {p["status"]?["phase"]} deleting={p["metadata"]!["deletionTimestamp"] is not null} {p["metadata"]?["annotations"]?[ExpertLoadReports.Annotation]}"));
            throw new TimeoutException($"{e.Message}; status: {group?["status"]?.ToJsonString()}; pods: {pods}", e);
        }

        return group!["status"]!.AsObject();
    }

    public Task<JsonObject> WaitForPhaseAsync(string name, string phase, TimeSpan? limit = null) =>
        WaitForStatusAsync(name, s => (string?)s?["phase"] == phase, $"{name} to be {phase}", limit ?? TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _operator.WaitAsync(TimeSpan.FromSeconds(20));
        Client.Dispose();
        await Cluster.DisposeAsync();
        _stop.Dispose();
        _scratch.Dispose();
    }
}
