using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using k8s;
using MoeOperator.Api.Schema;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.Runtime.Client;

namespace MoeOperator.Cli.Demo;

/// <summary>
/// <c>moe dev up --demo</c>: applies the sample ThreeFSCluster, the demo EPGroup and the demo TrainingJob
/// (crds/samples, built into this program), shows their progress every two seconds (3FS bootstrap steps and chain
/// health; ranks, tokens/s scraped from the ranks, imbalance; training step, loss, tokens/s, checkpoint) until the
/// 3FS cluster serves, the operator has rebalanced the group and the ranks have measured the new map, and the job
/// has trained every step; then prints a summary. Returns 0 then, 1 when any fails or the deadline passes.
/// </summary>
/// <param name="client">The dev cluster.</param>
/// <param name="output">Where the progress goes.</param>
/// <param name="deadline">How long the demo may take.</param>
/// <param name="hostPathRoot">Where the dev kubelet keeps hostPath volumes: the job's old checkpoints are removed, so it trains from step 1.</param>
internal sealed class DemoRun(Kubernetes client, TextWriter output, TimeSpan deadline, string hostPathRoot)
{
    public const string Namespace = "default";
    private const string ResourceName = "epgroup-demo.yaml";
    private const string ThreeFSResourceName = "threefscluster-minimal.yaml";
    private const string TrainingResourceName = "trainingjob-demo.yaml";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        // Each run starts afresh (and so runs any number of times in a row): the dev cluster keeps its objects in
        // memory, so the sample's managed FoundationDB gets a new cluster file, which is a new, empty database to 3FS.
        await output.WriteLineAsync("demo: starts afresh: the dev cluster's objects live in memory, so the 3FS cluster gets a new FoundationDB and is initialised again, whatever an earlier demo left in the data directory");
        var json = new KubernetesJsonClient(client);
        var storage = YamlDocuments.Parse(await SampleAsync(ThreeFSResourceName)).Single();
        var storageName = (string)storage["metadata"]!["name"]!;
        var storagePath = $"/apis/moe.dev/v1alpha1/namespaces/{Namespace}/threefsclusters";
        var (applied, refusal) = await json.SendAsync(HttpMethod.Post, storagePath, storage, cancellationToken: cancellationToken);
        if ((int)applied is not (201 or 409))
        {
            await output.WriteLineAsync($"demo: could not create the ThreeFSCluster: {refusal?.ToJsonString()}");
            return 1;
        }

        await output.WriteLineAsync($"demo: applied ThreeFSCluster {Namespace}/{storageName} (FoundationDB, mgmtd, meta, 3 storage nodes and FUSE clients; the 3FS image runs the dev cluster's simulator); watch it with `kubectl get tfs,jobs,pods`");
        var group = YamlDocuments.Parse(await SampleAsync(ResourceName)).Single();
        var name = (string)group["metadata"]!["name"]!;
        var collection = $"/apis/moe.dev/v1alpha1/namespaces/{Namespace}/epgroups";
        var (created, body) = await json.SendAsync(HttpMethod.Post, collection, group, cancellationToken: cancellationToken);
        if ((int)created is not (201 or 409))
        {
            await output.WriteLineAsync($"demo: could not create the EPGroup: {body?.ToJsonString()}");
            return 1;
        }

        await output.WriteLineAsync($"demo: applied EPGroup {Namespace}/{name} (4 ranks of the real moe-worker, Zipf-skewed routing); watch it with `kubectl get epgroups,pods`");
        var training = YamlDocuments.Parse(await SampleAsync(TrainingResourceName)).Single();
        var trainingName = (string)training["metadata"]!["name"]!;
        var trainingPath = $"/apis/moe.dev/v1alpha1/namespaces/{Namespace}/trainingjobs";
        var checkpoints = Path.Combine(hostPathRoot, ((string)training["spec"]!["checkpoint"]!["hostPath"]!["path"]!).TrimStart('/'));
        if (Directory.Exists(checkpoints))
        {
            // An earlier demo's checkpoints would be adopted (the job would resume after its last step): start afresh.
            Directory.Delete(checkpoints, recursive: true);
        }

        var (trainingCreated, trainingBody) = await json.SendAsync(HttpMethod.Post, trainingPath, training, cancellationToken: cancellationToken);
        if ((int)trainingCreated is not (201 or 409))
        {
            await output.WriteLineAsync($"demo: could not create the TrainingJob: {trainingBody?.ToJsonString()}");
            return 1;
        }

        await output.WriteLineAsync($"demo: applied TrainingJob {Namespace}/{trainingName} (4 ranks of the real moe-worker training a tiny DeepSeek-V3-shaped MoE with DualPipe); watch it with `kubectl get trainingjobs`");
        TimeSpan? trainedAt = null;
        double? firstLoss = null;
        string? lastTraining = null;
        TrainingDemoView? trainingView = null;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan? readyAt = null;
        TimeSpan? storageReadyAt = null;
        string? last = null;
        string? lastStorage = null;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var (_, currentStorage) = await json.SendAsync(HttpMethod.Get, $"{storagePath}/{storageName}", cancellationToken: cancellationToken);
            var storageView = ThreeFSDemoView.From(currentStorage as JsonObject, ThreeFSBootstrap.Order.Count);
            storageReadyAt ??= storageView.Ready ? clock.Elapsed : null;
            if (storageView.Line() != lastStorage)
            {
                lastStorage = storageView.Line();
                await output.WriteLineAsync($"[{clock.Elapsed.ToString(@"mm\:ss", CultureInfo.InvariantCulture)}] {lastStorage}");
            }

            if (storageView.Failed)
            {
                await output.WriteLineAsync($"demo: the 3FS cluster failed; see `kubectl describe threefscluster {storageName}`");
                return 1;
            }

            var (_, currentJob) = await json.SendAsync(HttpMethod.Get, $"{trainingPath}/{trainingName}", cancellationToken: cancellationToken);
            trainingView = TrainingDemoView.From(currentJob as JsonObject);
            firstLoss ??= trainingView.Loss;
            trainedAt ??= trainingView.Succeeded ? clock.Elapsed : null;
            if (trainingView.Line() != lastTraining)
            {
                lastTraining = trainingView.Line();
                await output.WriteLineAsync($"[{clock.Elapsed.ToString(@"mm\:ss", CultureInfo.InvariantCulture)}] {lastTraining}");
            }

            if (trainingView.Failed)
            {
                await output.WriteLineAsync($"demo: the training job failed: {trainingView.Failure}; see `kubectl describe trainingjob {trainingName}`");
                return 1;
            }

            var (_, current) = await json.SendAsync(HttpMethod.Get, $"{collection}/{name}", cancellationToken: cancellationToken);
            var (_, pods) = await json.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{Namespace}/pods?labelSelector={Uri.EscapeDataString($"{EPGroupNames.GroupLabel}={name}")}", cancellationToken: cancellationToken);
            var view = DemoView.From(current as JsonObject, await TokensPerSecondAsync(http, pods, cancellationToken));
            readyAt ??= view.ReadyRanks == view.Ranks && view.Ranks > 0 ? clock.Elapsed : null;
            var line = view.Line();
            if (line != last)
            {
                await output.WriteLineAsync($"[{clock.Elapsed.ToString(@"mm\:ss", CultureInfo.InvariantCulture)}] {line}");
                last = line;
            }

            if (view.Failed)
            {
                await output.WriteLineAsync($"demo: the group failed: {view.Failure}");
                return 1;
            }

            if (view.Rebalanced && storageReadyAt is { } storageReady && trainedAt is { } trained)
            {
                await output.WriteLineAsync(view.Summary(readyAt ?? clock.Elapsed, clock.Elapsed));
                await output.WriteLineAsync(storageView.Summary(storageReady));
                await output.WriteLineAsync(trainingView.Summary(firstLoss, trained));
                return 0;
            }

            if (clock.Elapsed > deadline)
            {
                await output.WriteLineAsync($"demo: not done within {deadline.TotalMinutes} minutes; see `kubectl describe epgroup {name}`, `kubectl describe threefscluster {storageName}` and `kubectl describe trainingjob {trainingName}`");
                return 1;
            }
        }

        return 1;
    }

    private static async Task<string> SampleAsync(string resource)
    {
        await using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{resource} is not built into this program");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    // Each pod serves its ranks' metrics on its own IP; the dev cluster's pod IPs are loopback addresses of this machine.
    private static async Task<double> TokensPerSecondAsync(HttpClient http, JsonNode? pods, CancellationToken cancellationToken)
    {
        var total = 0.0;
        foreach (var ip in pods?["items"]?.AsArray().Select(p => (string?)p?["status"]?["podIP"]).OfType<string>() ?? [])
        {
            try
            {
                var text = await http.GetStringAsync(new Uri($"http://{ip}:{EPGroupNames.MetricsPort}/metrics"), cancellationToken);
                total += WorkerMetricsText.Sum(text, "moe_worker_tokens_per_second");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // A rank still starting (or restarting) has no endpoint yet.
            }
        }

        return total;
    }
}
