using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Testing;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>
/// A whole dev cluster for one test: 4 nodes of 2 GPUs, images test/peer (the peer.py program) and test/python
/// (python3) run as real processes, short back-offs, a client, kubectl, and a namespace of the test's own.
/// Disposing it stops every process it started.
/// </summary>
public sealed class ClusterSession : IAsyncLifetime, IDisposable
{
    public const string Ns = "t";
    private readonly ScratchDirectory _scratch = new();

    public LocalCluster Cluster { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    /// <summary>Plain HTTP to pod addresses (the pods' own servers).</summary>
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public string Kubeconfig => _scratch.Path("kubeconfig");

    public string DataDirectory => _scratch.Path("data");

    public static string PeerProgram => RepoPaths.Of("tests", "MoeOperator.DevCluster.Tests", "Cluster", "Programs", "peer.py");

    public async Task InitializeAsync()
    {
        Cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Server = new DevApiServerOptions { KubeconfigPath = Kubeconfig, BookmarkInterval = TimeSpan.FromMilliseconds(500) },
            Nodes = new NodePoolSpec { Nodes = 4, GpusPerNode = 2 },
            PodEvictionGrace = TimeSpan.FromSeconds(1),
            Kubelet = new KubeletOptions
            {
                DataDirectory = DataDirectory,
                Programs = new Dictionary<string, LocalProgram>
                {
                    ["test/peer"] = new("python3", ["-u", PeerProgram]),
                    ["test/python"] = new("python3", ["-u"]),
                },
                SimulatedStartDelay = TimeSpan.FromMilliseconds(100),
                SimulatedRunTime = TimeSpan.FromMilliseconds(200),
                RestartBackoff = TimeSpan.FromMilliseconds(300),
                RestartBackoffMax = TimeSpan.FromSeconds(2),
                SyncPeriod = TimeSpan.FromMilliseconds(100),
                // Past any test's length: what these tests see, the passes that look only at what changed did.
                ResyncPeriod = TimeSpan.FromHours(1),
            },
        });
        Client = new Kubernetes(Cluster.Server.ClientConfiguration());
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } });
        // Pods are admitted only once the namespace's default service account exists, as on a real cluster.
        await WaitForAsync(async () => await GetAsync($"/api/v1/namespaces/{Ns}/serviceaccounts/default") is not null, "the namespace's default service account", TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Cluster.DisposeAsync();
    }

    public void Dispose()
    {
        Http.Dispose();
        _scratch.Dispose();
    }

    /// <summary>Runs kubectl against the cluster and returns its result.</summary>
    public ProcessResult Kubectl(params string[] arguments) =>
        Testing.Tools.Run(Testing.Tools.Kubectl, ["--kubeconfig", Kubeconfig, "--cache-dir", _scratch.Path("kube-cache"), .. arguments], timeout: TimeSpan.FromSeconds(60));

    /// <summary>Creates any object from JSON (apiVersion, kind, metadata.name; the test namespace by default).</summary>
    public async Task<JsonObject> CreateAsync(string collection, JsonObject obj)
    {
        obj["metadata"]!["namespace"] ??= Ns;
        var json = new MoeOperator.Runtime.Client.KubernetesJsonClient(Client);
        var (status, body) = await json.SendAsync(HttpMethod.Post, collection.Replace("{ns}", Ns, StringComparison.Ordinal), obj);
        ((int)status).ShouldBeLessThan(300, body?.ToJsonString());
        return body!.AsObject();
    }

    /// <summary>Reads any object or list as JSON.</summary>
    public async Task<JsonObject?> GetAsync(string path)
    {
        var json = new MoeOperator.Runtime.Client.KubernetesJsonClient(Client);
        var (status, body) = await json.SendAsync(HttpMethod.Get, path.Replace("{ns}", Ns, StringComparison.Ordinal));
        return (int)status == 200 ? body!.AsObject() : null;
    }

    /// <summary>A JSON merge patch of any object.</summary>
    public async Task<(System.Net.HttpStatusCode Status, JsonNode? Body)> PatchAsync(string path, JsonObject patch)
    {
        var json = new MoeOperator.Runtime.Client.KubernetesJsonClient(Client);
        return await json.SendAsync(HttpMethod.Patch, path.Replace("{ns}", Ns, StringComparison.Ordinal), patch, "application/merge-patch+json");
    }

    /// <summary>Reads a plain-text document of the API server (such as /metrics) with the admin token.</summary>
    public async Task<string> GetTextAsync(string path)
    {
#pragma warning disable CA2000 // the handler is owned and disposed by the HttpClient
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => Cluster.Server.IsTrustedServerCertificate(certificate) })
        {
            BaseAddress = new Uri(Cluster.Server.Url),
        };
#pragma warning restore CA2000
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Cluster.Server.Token);
        return await http.GetStringAsync(new Uri(path, UriKind.Relative));
    }

    public async Task<List<JsonObject>> PodsAsync(string? labelSelector = null)
    {
        var list = await GetAsync($"/api/v1/namespaces/{Ns}/pods" + (labelSelector is null ? "" : "?labelSelector=" + Uri.EscapeDataString(labelSelector)));
        return [.. list!["items"]!.AsArray().OfType<JsonObject>()];
    }

    /// <summary>
    /// Waits for <paramref name="condition"/> like <see cref="Eventually"/>; on timeout the error says where every pod
    /// of the test namespace stood, the cluster components' errors and the thread pool's backlog, because the waits
    /// that have timed out did so on loaded CI machines, where there is no second chance to look.
    /// </summary>
    public async Task WaitForAsync(Func<Task<bool>> condition, string what, TimeSpan limit)
    {
        try
        {
            await Eventually.HoldsAsync(condition, what, limit);
        }
        catch (TimeoutException e)
        {
            var pods = await PodsAsync();
            var states = pods.Select(p => $"{p["metadata"]!["name"]} {p["status"]?["phase"]} conditions {p["status"]?["conditions"]?.ToJsonString()} containers {p["status"]?["containerStatuses"]?.ToJsonString()}");
            throw new TimeoutException(
                $"{e.Message}; pods: {string.Join("; ", states)}; component errors: {string.Join(" | ", Cluster.Errors)}; " +
                $"thread pool: {ThreadPool.ThreadCount} threads, {ThreadPool.PendingWorkItemCount} queued work items",
                e);
        }
    }

    /// <summary>Fails the test with the cluster components' errors, if any happened.</summary>
    public void ShouldHaveNoComponentErrors() => Cluster.Errors.ShouldBeEmpty();
}
