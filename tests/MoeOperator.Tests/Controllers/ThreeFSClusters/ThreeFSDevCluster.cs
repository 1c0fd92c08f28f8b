using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.DevCluster.ThreeFS;
using MoeOperator.Hosting;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Hosting;
using MoeOperator.Runtime.Metrics;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

/// <summary>
/// A dev cluster of 4 nodes whose 3FS image runs the simulator, with the CRDs, one namespace and the
/// ThreeFSCluster controller running in-process.
/// </summary>
internal sealed class ThreeFSDevCluster : IAsyncDisposable
{
    private readonly ScratchDirectory _scratch = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _operator = Task.CompletedTask;

    private ThreeFSDevCluster(string ns) => Namespace = ns;

    public string Namespace { get; }

    public LocalCluster Cluster { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    public KubernetesJsonClient Json { get; private set; } = null!;

    public RuntimeMetrics Metrics { get; } = new(Prometheus.Metrics.NewCustomRegistry());

    /// <summary>Where the dev cluster maps hostPath volumes.</summary>
    public string HostPaths => Path.Combine(_scratch.Path("data"), "hostpath");

    public string SimDirectory => Path.Combine(_scratch.Path("data"), "3fs-sim");

    /// <param name="ns">The namespace the clusters live in.</param>
    /// <param name="syncDuration">How long a returning target syncs in the simulator.</param>
    /// <param name="nodes">Dev cluster nodes.</param>
    /// <param name="fdbClientVersion">The FoundationDB client release the simulated 3FS image reports.</param>
    public static async Task<ThreeFSDevCluster> StartAsync(string ns, TimeSpan syncDuration, int nodes = 4, string fdbClientVersion = "7.3.63")
    {
        var cluster = new ThreeFSDevCluster(ns);
        var data = cluster._scratch.Path("data");
        var (image, program) = ThreeFSSimProgram.ForDevCluster(data);
        var environment = new Dictionary<string, string>(program.Environment)
        {
            [SimProcess.SyncSecondsVariable] = syncDuration.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [SimProcess.FdbClientVersionVariable] = fdbClientVersion,
        };
        cluster.Cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            // A shared RDMA device plugin gives every node many devices: daemons, admin Jobs and clients share them.
            Nodes = new NodePoolSpec { Nodes = nodes, GpusPerNode = 2, RdmaPerNode = 16 },
            Kubelet = new KubeletOptions
            {
                DataDirectory = data,
                Programs = new Dictionary<string, LocalProgram> { [image] = program with { Environment = environment } },
            },
        });
        cluster.Client = new Kubernetes(cluster.Cluster.Server.ClientConfiguration());
        cluster.Json = new KubernetesJsonClient(cluster.Client);
        await cluster.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        foreach (var kind in Kinds.All)
        {
            await cluster.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(CrdGenerator.Build(kind));
        }

        var host = new OperatorHost(new OperatorOptions(), cluster.Client, cluster.Metrics, NullLoggerFactory.Instance, TimeProvider.System);
        cluster._operator = host.RunAsync([ThreeFSClusterController.Registration()], cluster._stop.Token);
        return cluster;
    }

    public async Task CreateAsync(JsonObject resource)
    {
        var (status, body) = await Json.SendAsync(HttpMethod.Post, $"/apis/moe.dev/v1alpha1/namespaces/{Namespace}/threefsclusters", resource);
        ((int)status).ShouldBe(201, body?.ToJsonString());
    }

    public async Task<JsonObject?> GetAsync(string name)
    {
        var (status, body) = await Json.SendAsync(HttpMethod.Get, $"/apis/moe.dev/v1alpha1/namespaces/{Namespace}/threefsclusters/{name}");
        return (int)status == 200 ? body!.AsObject() : null;
    }

    public async Task<List<JsonObject>> ListAsync(string collection, string? labelSelector = null)
    {
        var query = labelSelector is null ? "" : $"?labelSelector={Uri.EscapeDataString(labelSelector)}";
        var (_, body) = await Json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Namespace}/{collection}{query}");
        return [.. body!["items"]!.AsArray().OfType<JsonObject>()];
    }

    /// <summary>Waits until the status satisfies <paramref name="condition"/>; a timeout reports the status and the pods.</summary>
    public async Task<JsonObject> WaitForStatusAsync(string name, Func<JsonNode?, bool> condition, string what, TimeSpan limit)
    {
        JsonObject? resource = null;
        try
        {
            await Eventually.HoldsAsync(
                async () =>
                {
                    resource = await GetAsync(name);
                    return condition(resource?["status"]);
                },
                what,
                limit);
        }
        catch (TimeoutException e)
        {
            var pods = string.Join("; ", (await ListAsync("pods")).Select(p => $"{p["metadata"]!["name"]} {p["status"]?["phase"]}"));
            throw new TimeoutException($"{e.Message}; status: {resource?["status"]?.ToJsonString()}; pods: {pods}; component errors: {string.Join("; ", Cluster.Errors)}", e);
        }

        return resource!["status"]!.AsObject();
    }

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
