using System.Text.Json.Nodes;
using k8s;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.DevCluster.ThreeFS;
using MoeOperator.Hosting;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Hosting;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

/// <summary>
/// A dev cluster whose 3FS image runs the simulator, with the CRDs, one namespace and the ThreeFSCluster controller
/// running in-process.
/// </summary>
internal sealed class ThreeFSDevCluster : IAsyncDisposable
{
    private readonly OperatorDevCluster _dev;

    private ThreeFSDevCluster(OperatorDevCluster dev) => _dev = dev;

    public string Namespace => _dev.Namespace;

    public LocalCluster Cluster => _dev.Cluster;

    public Kubernetes Client => _dev.Client;

    public KubernetesJsonClient Json => _dev.Json;

    /// <summary>Where the dev cluster maps hostPath volumes.</summary>
    public string HostPaths => Path.Combine(_dev.DataDirectory, "hostpath");

    public string SimDirectory => Path.Combine(_dev.DataDirectory, "3fs-sim");

    /// <param name="ns">The namespace the clusters live in.</param>
    /// <param name="syncDuration">How long a returning target syncs in the simulator.</param>
    /// <param name="nodes">Dev cluster nodes.</param>
    /// <param name="fdbClientVersion">The FoundationDB client release the simulated 3FS image reports.</param>
    /// <param name="alsoRun">Controllers to run beside the ThreeFSCluster controller.</param>
    public static async Task<ThreeFSDevCluster> StartAsync(string ns, TimeSpan syncDuration, int nodes = 4, string fdbClientVersion = "7.3.63", IReadOnlyList<ControllerRegistration>? alsoRun = null) =>
        new(await OperatorDevCluster.StartAsync(
            ns,
            // A shared RDMA device plugin gives every node many devices: daemons, admin Jobs and clients share them.
            new NodePoolSpec { Nodes = nodes, GpusPerNode = 2, RdmaPerNode = 16 },
            data =>
            {
                var (image, program) = ThreeFSSimProgram.ForDevCluster(data);
                var environment = new Dictionary<string, string>(program.Environment)
                {
                    [SimProcess.SyncSecondsVariable] = syncDuration.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    [SimProcess.FdbClientVersionVariable] = fdbClientVersion,
                };
                return new KubeletOptions { DataDirectory = data, Programs = new Dictionary<string, LocalProgram> { [image] = program with { Environment = environment } } };
            },
            [ThreeFSClusterController.Registration(), .. alsoRun ?? []]));

    public Task CreateAsync(string plural, JsonObject resource) => _dev.CreateAsync(plural, resource);

    public Task<JsonObject?> GetAsync(string plural, string name) => _dev.GetAsync(plural, name);

    /// <summary>Waits until a resource's status satisfies <paramref name="condition"/>; a timeout reports the status and the pods.</summary>
    public Task<JsonObject> WaitForStatusAsync(string plural, string name, Func<JsonNode?, bool> condition, string what, TimeSpan limit) =>
        _dev.WaitForStatusAsync(plural, name, condition, what, limit, async () =>
            $"pods: {string.Join("; ", (await ListAsync("pods")).Select(p => $"{p["metadata"]!["name"]} {p["status"]?["phase"]} on {p["spec"]?["nodeName"]}"))}; component errors: {string.Join("; ", Cluster.Errors)}");

    public Task CreateAsync(JsonObject resource) => _dev.CreateAsync(Kinds.ThreeFSCluster.Plural, resource);

    public Task<JsonObject?> GetAsync(string name) => _dev.GetAsync(Kinds.ThreeFSCluster.Plural, name);

    public async Task<List<JsonObject>> ListAsync(string collection, string? labelSelector = null)
    {
        var query = labelSelector is null ? "" : $"?labelSelector={Uri.EscapeDataString(labelSelector)}";
        var (_, body) = await Json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Namespace}/{collection}{query}");
        return [.. body!["items"]!.AsArray().OfType<JsonObject>()];
    }

    /// <summary>Waits until the status satisfies <paramref name="condition"/>; a timeout reports the status and the pods.</summary>
    public Task<JsonObject> WaitForStatusAsync(string name, Func<JsonNode?, bool> condition, string what, TimeSpan limit) =>
        _dev.WaitForStatusAsync(Kinds.ThreeFSCluster.Plural, name, condition, what, limit, async () =>
            $"pods: {string.Join("; ", (await ListAsync("pods")).Select(p => $"{p["metadata"]!["name"]} {p["status"]?["phase"]}"))}; component errors: {string.Join("; ", Cluster.Errors)}");

    public ValueTask DisposeAsync() => _dev.DisposeAsync();
}
