using System.Formats.Tar;
using System.Text;
using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using MoeOperator.Testing;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>
/// The scenarios of the official KubernetesClient (C#) end-to-end suite, run against the dev cluster with the same
/// client calls: log streaming with follow, copying a file into a pod through exec and tar, HorizontalPodAutoscaler
/// v2 create/read/update/delete, watches that the server closes, leader election over a Lease and over Endpoints,
/// patches of every type, and the generic client.
/// </summary>
public sealed class KubernetesClientScenarioTests : IAsyncLifetime, IDisposable
{
    private const string Ns = ClusterSession.Ns;
    private readonly ClusterSession _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    public void Dispose() => _cluster.Dispose();

    private Kubernetes Client => _cluster.Client;

    private async Task RunningPodAsync(string name, string script)
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", Manifests.PythonPod(name, script));
        await _cluster.WaitForAsync(async () => (string?)(await _cluster.GetAsync($"/api/v1/namespaces/{{ns}}/pods/{name}"))?["status"]?["phase"] == "Running", $"{name} to run", TimeSpan.FromSeconds(60));
    }

    private static V1Pod NginxPod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["place"] = "holder" } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "nginx" }] },
    };

    [Fact]
    public async Task LogStream_WithFollow_DeliversLinesAsTheyAreWritten()
    {
        await RunningPodAsync("ticker", "import time\nfor i in range(600):\n    print(f'tick {i}', flush=True)\n    time.sleep(0.5)");

        await using var stream = await Client.CoreV1.ReadNamespacedPodLogAsync("ticker", Ns, follow: true);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (lines.Count < 6)
        {
            lines.Add(await reader.ReadLineAsync(deadline.Token) ?? throw new InvalidOperationException($"the follow stream ended after {lines.Count} lines"));
        }

        lines.ShouldBe(Enumerable.Range(0, 6).Select(i => $"tick {i}"), "every line, in order, while the container keeps writing");
    }

    [Fact]
    public async Task CopyToPod_ThroughExecAndTar_WritesTheFile()
    {
        await RunningPodAsync("copy-target", "import time\ntime.sleep(600)");
        var content = Encoding.UTF8.GetBytes("weights of expert 7\n");

        var copied = await Client.NamespacedPodExecAsync("copy-target", Ns, "main", ["tar", "xmf", "-", "-C", "/tmp"], tty: false, async (stdin, _, _) =>
        {
            using var archive = new MemoryStream();
            await using (var tar = new TarWriter(archive, TarEntryFormat.Ustar, leaveOpen: true))
            {
                await tar.WriteEntryAsync(new UstarTarEntry(TarEntryType.RegularFile, "expert-7.txt") { DataStream = new MemoryStream(content) });
            }

            // Padded to tar's 10240-byte record, as tar itself and the upstream test's archiver write it: the client
            // speaks v4, which cannot close stdin, so tar must find a whole record to stop reading.
            archive.SetLength((archive.Length + 10239) / 10240 * 10240);
            await stdin.WriteAsync(archive.ToArray());
            await stdin.FlushAsync();
        }, CancellationToken.None);
        var read = new StringBuilder();
        var cat = await Client.NamespacedPodExecAsync("copy-target", Ns, "main", ["cat", "/tmp/expert-7.txt"], tty: false, async (_, stdout, _) =>
        {
            using var reader = new StreamReader(stdout);
            read.Append(await reader.ReadToEndAsync());
        }, CancellationToken.None);

        copied.ShouldBe(0);
        cat.ShouldBe(0);
        read.ToString().ShouldBe("weights of expert 7\n");
    }

    [Fact]
    public async Task HorizontalPodAutoscalerV2_CreateReadUpdateDelete()
    {
        var hpa = new V2HorizontalPodAutoscaler
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" },
                MinReplicas = 1,
                MaxReplicas = 4,
                Metrics = [new V2MetricSpec { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = 60 } } }],
            },
        };

        await Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(hpa, Ns);
        var read = await Client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync("web", Ns);
        read.Spec.MaxReplicas = 8;
        await Client.AutoscalingV2.ReplaceNamespacedHorizontalPodAutoscalerAsync(read, "web", Ns);
        var updated = await Client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync("web", Ns);
        await Client.AutoscalingV2.DeleteNamespacedHorizontalPodAutoscalerAsync("web", Ns);
        var remaining = await Client.AutoscalingV2.ListNamespacedHorizontalPodAutoscalerAsync(Ns);

        read.Spec.Metrics.Single().Resource.Target.AverageUtilization.ShouldBe(60);
        updated.Spec.MaxReplicas.ShouldBe(8);
        remaining.Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task Watch_DeliversEvents_AndEndsWhenTheServerClosesIt()
    {
        var job = await Client.BatchV1.CreateNamespacedJobAsync(
            new V1Job
            {
                Metadata = new V1ObjectMeta { Name = "watched" },
                Spec = new V1JobSpec { Template = new V1PodTemplateSpec { Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "runner", Image = "ubuntu" }] } } },
            },
            Ns);
        var events = new List<(WatchEventType Type, V1Job Job)>();

        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in Client.BatchV1.WatchListNamespacedJobAsync(Ns, fieldSelector: "metadata.name=watched", resourceVersion: job.Metadata.ResourceVersion, timeoutSeconds: 3))
            {
                lock (events)
                {
                    events.Add((type, item));
                }
            }
        });
        await Client.BatchV1.PatchNamespacedJobAsync(new V1Patch("""{"metadata":{"labels":{"seen":"yes"}}}""", V1Patch.PatchType.MergePatch), "watched", Ns);

        (await Task.WhenAny(watching, Task.Delay(TimeSpan.FromSeconds(60)))).ShouldBe(watching, "the server ends the watch after timeoutSeconds");
        await watching;
        lock (events)
        {
            events.ShouldContain(e => e.Type == WatchEventType.Modified && e.Job.Metadata.Labels != null && e.Job.Metadata.Labels["seen"] == "yes");
        }
    }

    [Fact]
    public async Task LeaderElection_OverALeaseAndOverEndpoints_HandsOverWhenTheLeaderStops()
    {
        await ElectAsync(name => new LeaseLock(Client, Ns, "leader-lease", name));
        await ElectAsync(name => new EndpointsLock(Client, Ns, "leader-endpoints", name));
    }

    private static async Task ElectAsync(Func<string, ILock> lockFor)
    {
        using var firstStop = new CancellationTokenSource();
        using var secondStop = new CancellationTokenSource();
        var firstLeads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstLost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondLeads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Generous against a loaded 2-core machine: a leader that misses renewals for 4 s would lose its lease.
        var config = (ILock l) => new LeaderElectionConfig(l) { LeaseDuration = TimeSpan.FromSeconds(4), RenewDeadline = TimeSpan.FromSeconds(3), RetryPeriod = TimeSpan.FromMilliseconds(300) };

        using var first = new LeaderElector(config(lockFor("leader1")));
        first.OnStartedLeading += () => firstLeads.TrySetResult();
        first.OnStoppedLeading += () => firstLost.TrySetResult();
        var firstRun = first.RunUntilLeadershipLostAsync(firstStop.Token);
        await firstLeads.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using var second = new LeaderElector(config(lockFor("leader2")));
        second.OnStartedLeading += () => secondLeads.TrySetResult();
        var secondRun = second.RunUntilLeadershipLostAsync(secondStop.Token);
        await Eventually.HoldsAsync(() => second.GetLeader() == "leader1", "the second candidate to see the first lead", TimeSpan.FromSeconds(30));
        second.IsLeader().ShouldBeFalse("one leader at a time");

        await firstStop.CancelAsync();
        await firstLost.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await secondLeads.Task.WaitAsync(TimeSpan.FromSeconds(30));
        second.GetLeader().ShouldBe("leader2");

        await secondStop.CancelAsync();
        await Task.WhenAll(firstRun, secondRun).WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task PatchesOfEveryType_ChangeThePod()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(NginxPod("patched"), Ns);

        await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""[{"op":"add","path":"/metadata/labels/json","value":"yes"}]""", V1Patch.PatchType.JsonPatch), "patched", Ns);
        await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"labels":{"merge":"yes"}}}""", V1Patch.PatchType.MergePatch), "patched", Ns);
        await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"spec":{"containers":[{"name":"main","image":"nginx:1.27"}]}}""", V1Patch.PatchType.StrategicMergePatch), "patched", Ns);
        await Client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"patched","labels":{"applied":"yes"}}}""", V1Patch.PatchType.ApplyPatch), "patched", Ns, fieldManager: "e2e");

        var pod = await Client.CoreV1.ReadNamespacedPodAsync("patched", Ns);
        pod.Metadata.Labels.ShouldBe(new Dictionary<string, string> { ["place"] = "holder", ["json"] = "yes", ["merge"] = "yes", ["applied"] = "yes" }, ignoreOrder: true);
        pod.Spec.Containers.Single().Image.ShouldBe("nginx:1.27", "a strategic merge patch merges containers by name");
        pod.Metadata.ManagedFields.ShouldContain(m => m.Manager == "e2e" && m.Operation == "Apply");
    }

    [Fact]
    public async Task GenericClient_CreatesListsReadsPatchesReplacesAndDeletes()
    {
        using var pods = new GenericClient(Client, "", "v1", "pods", disposeClient: false);

        await pods.CreateNamespacedAsync(NginxPod("generic"), Ns);
        var listed = await pods.ListNamespacedAsync<V1PodList>(Ns);
        await pods.PatchNamespacedAsync<V1Pod>(new V1Patch("""{"metadata":{"labels":{"test":"generic"}}}""", V1Patch.PatchType.MergePatch), Ns, "generic");
        var read = await pods.ReadNamespacedAsync<V1Pod>(Ns, "generic");
        read.Spec.Containers[0].Image = "httpd";
        await pods.ReplaceNamespacedAsync(read, Ns, "generic");
        var replaced = await pods.ReadNamespacedAsync<V1Pod>(Ns, "generic");
        await pods.DeleteNamespacedAsync<V1Pod>(Ns, "generic");

        listed.Items.ShouldContain(p => p.Metadata.Name == "generic");
        read.Metadata.Labels["test"].ShouldBe("generic");
        replaced.Spec.Containers[0].Image.ShouldBe("httpd");
        await Eventually.HoldsAsync(async () => !(await pods.ListNamespacedAsync<V1PodList>(Ns)).Items.Any(p => p.Metadata.Name == "generic"), "the pod to be gone", TimeSpan.FromSeconds(30));
    }
}
