using System.Text.Json.Nodes;
using k8s;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Contract;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Metrics;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.EPGroups;

/// <summary>
/// A dev cluster of 4 nodes x 2 GPUs with the CRDs, one namespace and the EPGroup controller running in-process:
/// what every EPGroup integration test starts from, whether the worker image is simulated or real.
/// </summary>
internal sealed class EPGroupCluster : IAsyncDisposable
{
    private readonly OperatorDevCluster _dev;

    private EPGroupCluster(OperatorDevCluster dev) => _dev = dev;

    public string Namespace => _dev.Namespace;

    public LocalCluster Cluster => _dev.Cluster;

    public Kubernetes Client => _dev.Client;

    public KubernetesJsonClient Json => _dev.Json;

    public RuntimeMetrics Metrics => _dev.Metrics;

    /// <summary>The admin kubeconfig of the cluster, for kubectl.</summary>
    public string Kubeconfig => _dev.Kubeconfig;

    /// <summary>Runs kubectl against the cluster.</summary>
    public ProcessResult Kubectl(params string[] arguments) => _dev.Kubectl(arguments);

    /// <param name="ns">The namespace the groups live in.</param>
    /// <param name="kubelet">Kubelet settings for a given (scratch) data directory.</param>
    public static async Task<EPGroupCluster> StartAsync(string ns, Func<string, KubeletOptions> kubelet) =>
        new(await OperatorDevCluster.StartAsync(ns, new NodePoolSpec { Nodes = 4, GpusPerNode = 2 }, kubelet, [EPGroupController.Registration()]));

    /// <summary>A sample from crds/samples, renamed; the caller adjusts its spec.</summary>
    public static JsonObject Sample(string file, string name)
    {
        var group = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", file))).Single();
        group["metadata"]!["name"] = name;
        return group;
    }

    public Task CreateAsync(JsonObject group) => _dev.CreateAsync(Kinds.EPGroup.Plural, group);

    public Task<JsonObject?> GroupAsync(string name) => _dev.GetAsync(Kinds.EPGroup.Plural, name);

    public async Task<List<JsonObject>> PodsAsync(string name)
    {
        var (_, body) = await Json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Namespace}/pods?labelSelector={Uri.EscapeDataString($"{EPGroupNames.GroupLabel}={name}")}");
        return [.. body!["items"]!.AsArray().OfType<JsonObject>()];
    }

    /// <summary>Waits until the group's status satisfies <paramref name="condition"/>; a timeout reports the status and the pods.</summary>
    public Task<JsonObject> WaitForStatusAsync(string name, Func<JsonNode?, bool> condition, string what, TimeSpan limit) =>
        _dev.WaitForStatusAsync(Kinds.EPGroup.Plural, name, condition, what, limit, async () => "pods: " + string.Join("; ", (await PodsAsync(name)).Select(p =>
            $"{p["metadata"]!["name"]} {p["status"]?["phase"]} deleting={p["metadata"]!["deletionTimestamp"] is not null} {p["metadata"]?["annotations"]?[ExpertLoadReport.Annotation]}")));

    public Task<JsonObject> WaitForPhaseAsync(string name, string phase, TimeSpan? limit = null) =>
        WaitForStatusAsync(name, s => (string?)s?["phase"] == phase, $"{name} to be {phase}", limit ?? TimeSpan.FromSeconds(30));

    public ValueTask DisposeAsync() => _dev.DisposeAsync();
}
