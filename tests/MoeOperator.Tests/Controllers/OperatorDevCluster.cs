using k8s;
using k8s.Models;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Hosting;
using MoeOperator.Runtime.Metrics;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers;

/// <summary>
/// A dev cluster with the CRDs, one namespace and some of the operator's controllers running in-process: what the
/// controller integration tests of every kind start from.
/// </summary>
internal sealed class OperatorDevCluster : IAsyncDisposable
{
    private readonly ScratchDirectory _scratch = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _operator = Task.CompletedTask;

    private OperatorDevCluster(string ns) => Namespace = ns;

    public string Namespace { get; }

    public LocalCluster Cluster { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    public KubernetesJsonClient Json { get; private set; } = null!;

    public RuntimeMetrics Metrics { get; } = new(Prometheus.Metrics.NewCustomRegistry());

    /// <summary>Every kind's controller, sharing one placement ledger, as the operator process runs them.</summary>
    public static IReadOnlyList<ControllerRegistration> AllControllers()
    {
        var settings = new global::MoeOperator.Controllers.OperatorSettings("moe-worker");
        return [.. global::MoeOperator.Controllers.KindModules.All.Select(k => k.Controller(settings)).OfType<ControllerRegistration>()];
    }

    /// <summary>Every exception the operator logged.</summary>
    public RecordedErrors Errors { get; } = new();

    /// <summary>Where pods, volumes, hostPaths and local programs' files live.</summary>
    public string DataDirectory => _scratch.Path("data");

    /// <summary>The admin kubeconfig of the cluster, for kubectl.</summary>
    public string Kubeconfig => _scratch.Path("kubeconfig");

    /// <summary>A scratch file path of this cluster's (manifests the test writes).</summary>
    public string ScratchPath(string name) => _scratch.Path(name);

    /// <summary>Runs kubectl against the cluster.</summary>
    public ProcessResult Kubectl(params string[] arguments) =>
        Tools.Run(Tools.Kubectl, ["--kubeconfig", Kubeconfig, "--cache-dir", _scratch.Path("kube-cache"), .. arguments], timeout: TimeSpan.FromSeconds(120));

    /// <param name="ns">The namespace the tests' resources live in.</param>
    /// <param name="nodes">The node pool.</param>
    /// <param name="kubelet">Kubelet settings for a given (scratch) data directory.</param>
    /// <param name="controllers">The controllers the operator runs.</param>
    /// <param name="watchOnly">Namespaces the operator watches (its --namespace flags); null watches every namespace.</param>
    public static async Task<OperatorDevCluster> StartAsync(string ns, NodePoolSpec nodes, Func<string, KubeletOptions> kubelet, IReadOnlyList<ControllerRegistration> controllers, IReadOnlyList<string>? watchOnly = null)
    {
        var cluster = new OperatorDevCluster(ns);
        cluster.Cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Server = new DevApiServerOptions { KubeconfigPath = cluster.Kubeconfig },
            Nodes = nodes,
            Kubelet = kubelet(cluster.DataDirectory),
        });
        cluster.Client = new Kubernetes(cluster.Cluster.Server.ClientConfiguration());
        cluster.Json = new KubernetesJsonClient(cluster.Client);
        await cluster.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        foreach (var kind in Kinds.All)
        {
            await cluster.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(CrdGenerator.Build(kind));
        }

        var host = new OperatorHost(new OperatorOptions { Namespaces = watchOnly ?? [] }, cluster.Client, cluster.Metrics, cluster.Errors, TimeProvider.System);
        cluster._operator = host.RunAsync(controllers, cluster._stop.Token);
        return cluster;
    }

    /// <summary>Creates a custom resource in the namespace (collection: its plural, for example epgroups).</summary>
    public async Task CreateAsync(string collection, System.Text.Json.Nodes.JsonObject resource)
    {
        var (status, body) = await Json.SendAsync(HttpMethod.Post, $"/apis/moe.dev/v1alpha1/namespaces/{Namespace}/{collection}", resource);
        ((int)status).ShouldBe(201, body?.ToJsonString());
    }

    public async Task<System.Text.Json.Nodes.JsonObject?> GetAsync(string collection, string name)
    {
        var (status, body) = await Json.SendAsync(HttpMethod.Get, $"/apis/moe.dev/v1alpha1/namespaces/{Namespace}/{collection}/{name}");
        return (int)status == 200 ? body!.AsObject() : null;
    }

    /// <summary>
    /// Waits until the resource's status satisfies <paramref name="condition"/>; a timeout reports the status and
    /// what <paramref name="describe"/> says about the cluster (its pods, for example).
    /// </summary>
    public async Task<System.Text.Json.Nodes.JsonObject> WaitForStatusAsync(string collection, string name, Func<System.Text.Json.Nodes.JsonNode?, bool> condition, string what, TimeSpan limit, Func<Task<string>> describe)
    {
        ArgumentNullException.ThrowIfNull(describe);
        System.Text.Json.Nodes.JsonObject? resource = null;
        try
        {
            await Eventually.HoldsAsync(
                async () =>
                {
                    resource = await GetAsync(collection, name);
                    return condition(resource?["status"]);
                },
                what,
                limit);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; status: {resource?["status"]?.ToJsonString()}; {await describe()}", e);
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
