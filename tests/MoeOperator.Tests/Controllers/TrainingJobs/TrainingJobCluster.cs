using System.Text.Json.Nodes;
using k8s;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Contract.Training;
using MoeOperator.Controllers.TrainingJobs;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.Hosting;
using MoeOperator.Runtime.Client;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.TrainingJobs;

/// <summary>
/// A dev cluster of 4 nodes x 2 GPUs running the TrainingJob controller in-process, whose pods run the real
/// moe-worker: what every TrainingJob integration test starts from.
/// </summary>
internal sealed class TrainingJobCluster : IAsyncDisposable
{
    private readonly OperatorDevCluster _dev;

    private TrainingJobCluster(OperatorDevCluster dev) => _dev = dev;

    public string Namespace => _dev.Namespace;

    public OperatorDevCluster Dev => _dev;

    public Kubernetes Client => _dev.Client;

    public KubernetesJsonClient Json => _dev.Json;

    /// <param name="ns">The namespace the jobs live in.</param>
    /// <param name="simulated">Whether the worker image is simulated (pods run, no process trains) instead of the real moe-worker.</param>
    public static async Task<TrainingJobCluster> StartAsync(string ns, bool simulated = false)
    {
        var worker = WorkerProgram.ForDevCluster();
        return new(await OperatorDevCluster.StartAsync(ns, new NodePoolSpec { Nodes = 4, GpusPerNode = 2 }, data => new KubeletOptions
        {
            DataDirectory = data,
            SyncPeriod = TimeSpan.FromMilliseconds(simulated ? 100 : 200),
            SimulatedStartDelay = TimeSpan.FromMilliseconds(200),
            Programs = simulated ? new Dictionary<string, LocalProgram>() : new Dictionary<string, LocalProgram> { [worker.Key] = worker.Value },
        }, [TrainingJobController.Registration()]));
    }

    /// <summary>The minimal sample renamed, checkpointing every <paramref name="interval"/> steps into a claim named after it (created here).</summary>
    public async Task<JsonObject> SampleAsync(string name, int steps, int interval, string? claim = null)
    {
        var job = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", "trainingjob-minimal.yaml"))).Single();
        job["metadata"]!["name"] = name;
        job["spec"]!["training"]!["steps"] = steps;
        job["spec"]!["training"]!["learningRate"] = 0.003;
        job["spec"]!["checkpoint"]!["intervalSteps"] = interval;
        job["spec"]!["checkpoint"]!["persistentVolumeClaim"]!["claimName"] = claim ?? name;
        await ClaimAsync(claim ?? name);
        return job;
    }

    public async Task ClaimAsync(string name)
    {
        var claim = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolumeClaim",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["accessModes"] = new JsonArray("ReadWriteMany"), ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } } },
        };
        await Json.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{Namespace}/persistentvolumeclaims", claim);
    }

    /// <summary>Where the dev kubelet keeps a claim's files.</summary>
    public string ClaimDirectory(string claim) => Path.Combine(_dev.DataDirectory, "claims", Namespace, claim);

    public Task CreateAsync(JsonObject job) => _dev.CreateAsync(Kinds.TrainingJob.Plural, job);

    public async Task PatchSpecAsync(string name, JsonObject spec)
    {
        var (status, body) = await Json.SendAsync(HttpMethod.Patch, $"/apis/moe.dev/v1alpha1/namespaces/{Namespace}/trainingjobs/{name}", new JsonObject { ["spec"] = spec }, "application/merge-patch+json");
        ((int)status).ShouldBe(200, body?.ToJsonString());
    }

    public async Task<List<JsonObject>> PodsAsync(string name)
    {
        var (_, body) = await Json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Namespace}/pods?labelSelector={Uri.EscapeDataString($"{TrainingJobNames.JobLabel}={name}")}");
        return [.. body!["items"]!.AsArray().OfType<JsonObject>()];
    }

    public async Task<string> LogAsync(string pod)
    {
        using var stream = await Client.CoreV1.ReadNamespacedPodLogAsync(pod, Namespace);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    public async Task<List<JsonObject>> EventsAsync(string name)
    {
        var (_, body) = await Json.SendAsync(HttpMethod.Get, $"/apis/events.k8s.io/v1/namespaces/{Namespace}/events");
        return [.. body!["items"]!.AsArray().OfType<JsonObject>().Where(e => (string?)e["regarding"]?["name"] == name)];
    }

    /// <summary>
    /// The job's events once one with <paramref name="reason"/> is among them: the operator records an event after
    /// the status write it explains, so a test that saw the status may not see the event yet.
    /// </summary>
    public async Task<List<JsonObject>> EventsOnceAsync(string name, string reason)
    {
        List<JsonObject> events = [];
        await Eventually.HoldsAsync(async () => (events = await EventsAsync(name)).Any(e => (string?)e["reason"] == reason), $"a {reason} event for {name}", TimeSpan.FromSeconds(60));
        return events;
    }

    /// <summary>Waits until the job's status satisfies <paramref name="condition"/>; a timeout reports the status, the pods and rank 0's last report.</summary>
    public Task<JsonObject> WaitForStatusAsync(string name, Func<JsonNode?, bool> condition, string what, TimeSpan limit) =>
        _dev.WaitForStatusAsync(Kinds.TrainingJob.Plural, name, condition, what, limit, async () => "pods: " + string.Join("; ", (await PodsAsync(name)).Select(p =>
            $"{p["metadata"]!["name"]} {p["status"]?["phase"]} deleting={p["metadata"]!["deletionTimestamp"] is not null} {p["metadata"]?["annotations"]?[TrainingProgressReport.Annotation]}")));

    public ValueTask DisposeAsync() => _dev.DisposeAsync();
}
