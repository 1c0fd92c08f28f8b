using System.Net;
using System.Text.Json.Nodes;
using k8s;
using MoeOperator.Testing;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>Pods as real processes: logs, crashes and back-off, graceful termination, volumes, the API from inside.</summary>
public sealed class PodLifecycleTests : IAsyncLifetime, IDisposable
{
    private readonly ClusterSession _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    public void Dispose() => _cluster.Dispose();

    private async Task<JsonObject?> PodAsync(string name) => await _cluster.GetAsync($"/api/v1/namespaces/{{ns}}/pods/{name}");

    private static JsonObject PeerPod(string name, JsonObject? extraSpec = null)
    {
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = name } },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(Manifests.PeerContainer()), ["terminationGracePeriodSeconds"] = 10 },
        };
        foreach (var (key, value) in extraSpec ?? [])
        {
            pod["spec"]![key] = value?.DeepClone();
        }

        return pod;
    }

    private async Task<string> ReadyIpAsync(string pod)
    {
        await Eventually.HoldsAsync(async () => (await PodAsync(pod))?["status"]?["conditions"]?.AsArray().Any(c => (string?)c!["type"] == "Ready" && (string?)c["status"] == "True") == true, $"{pod} to be ready", TimeSpan.FromSeconds(30));
        return (string)(await PodAsync(pod))!["status"]!["podIP"]!;
    }

    [Fact]
    public async Task CrashingContainer_BacksOff_AndKubectlLogsShowsThisRunAndThePrevious()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", Manifests.PythonPod("crash", "import sys, time; print('run at', time.time()); print('boom'); sys.exit(3)", restartPolicy: "Always"));

        // Three runs of python with back-offs of 0.3 s and 0.6 s between them: seconds on an idle machine, far more on a loaded one.
        await _cluster.WaitForAsync(async () => (int?)(await PodAsync("crash"))?["status"]?["containerStatuses"]?[0]?["restartCount"] >= 2, "two restarts", TimeSpan.FromSeconds(60));
        await _cluster.WaitForAsync(async () => (string?)(await PodAsync("crash"))?["status"]?["containerStatuses"]?[0]?["state"]?["waiting"]?["reason"] == "CrashLoopBackOff", "CrashLoopBackOff", TimeSpan.FromSeconds(30));
        var status = (await PodAsync("crash"))!["status"]!["containerStatuses"]![0]!;
        ((int?)status["lastState"]!["terminated"]!["exitCode"]).ShouldBe(3);
        ((string?)status["state"]!["waiting"]!["message"]).ShouldStartWith("back-off ");

        var logs = _cluster.Kubectl("logs", "-n", ClusterSession.Ns, "crash");
        logs.ExitCode.ShouldBe(0, logs.Output);
        logs.Stdout.ShouldContain("boom");
        var previous = _cluster.Kubectl("logs", "-n", ClusterSession.Ns, "crash", "--previous");
        previous.ExitCode.ShouldBe(0, previous.Output);
        previous.Stdout.ShouldContain("boom");
        previous.Stdout.ShouldContain("run at", customMessage: "the previous run's own log");
    }

    [Fact]
    public async Task KubectlLogsFollow_ShowsLinesWrittenAfterItStarted_AndEndsWithTheContainer()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", Manifests.PythonPod("talker", "import time\nfor i in range(8):\n    print('line', i)\n    time.sleep(0.4)", restartPolicy: "Never"));
        await _cluster.WaitForAsync(() => Task.FromResult(_cluster.Kubectl("logs", "-n", ClusterSession.Ns, "talker").Stdout.Contains("line 0", StringComparison.Ordinal)), "the first line", TimeSpan.FromSeconds(60));

        var followed = _cluster.Kubectl("logs", "-f", "-n", ClusterSession.Ns, "talker");

        followed.ExitCode.ShouldBe(0, followed.Output);
        followed.Stdout.ShouldContain("line 7", customMessage: "the last line is written seconds after kubectl started: it followed the log until the container ended");
        Enumerable.Range(0, 8).Select(i => followed.Stdout.Split('\n').Count(l => l == $"line {i}")).ShouldAllBe(n => n == 1, "every line once");
    }

    [Fact]
    public async Task KilledProcess_IsRestarted_AndDeletingThePod_SendsSigtermAndRemovesIt()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", PeerPod("victim"));
        var ip = await ReadyIpAsync("victim");

        _cluster.Cluster.KillContainer(ClusterSession.Ns, "victim").ShouldBeTrue();
        await Eventually.HoldsAsync(async () => (int?)(await PodAsync("victim"))?["status"]?["containerStatuses"]?[0]?["restartCount"] == 1, "the restart", TimeSpan.FromSeconds(30));
        ((int?)(await PodAsync("victim"))!["status"]!["containerStatuses"]![0]!["lastState"]!["terminated"]!["exitCode"]).ShouldBe(137);
        (await ReadyIpAsync("victim")).ShouldBe(ip, "a restarted container keeps its pod's address");

        await _cluster.Client.CoreV1.DeleteNamespacedPodAsync("victim", ClusterSession.Ns);
        await Eventually.HoldsAsync(async () => await PodAsync("victim") is null, "the pod to be removed after its process exits", TimeSpan.FromSeconds(20));
        var log = await File.ReadAllTextAsync(Directory.EnumerateFiles(_cluster.DataDirectory, "2.log", SearchOption.AllDirectories).Single());
        log.ShouldContain("terminating", customMessage: "SIGTERM reached the program, which exits cleanly");
        await Should.ThrowAsync<HttpRequestException>(() => _cluster.Http.GetStringAsync(new Uri($"http://{ip}:8080/")));
    }

    [Fact]
    public async Task KilledSimulatedContainer_OfASettledPod_IsRestartedWithoutAnyChangeToThePod()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", Manifests.SimulatedPod("quiet"));
        await Eventually.HoldsAsync(async () => (bool?)(await PodAsync("quiet"))?["status"]?["containerStatuses"]?[0]?["ready"] == true, "the simulated container to be ready", TimeSpan.FromSeconds(30));
        // Settled: nothing about the pod changes by itself from here, so only the kill can bring the kubelet back to it.
        await Task.Delay(TimeSpan.FromMilliseconds(500));

        _cluster.Cluster.KillContainer(ClusterSession.Ns, "quiet").ShouldBeTrue();

        await Eventually.HoldsAsync(async () => (int?)(await PodAsync("quiet"))?["status"]?["containerStatuses"]?[0]?["restartCount"] == 1, "the restart", TimeSpan.FromSeconds(30));
        ((int?)(await PodAsync("quiet"))!["status"]!["containerStatuses"]![0]!["lastState"]!["terminated"]!["exitCode"]).ShouldBe(137);
    }

    [Fact]
    public async Task APodInALongStartDelay_IsStillDeletedAtOnce()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", Manifests.SimulatedPod("slow-start", annotations: new JsonObject { ["sim.moe.dev/start-delay"] = "10m" }));
        await Eventually.HoldsAsync(
            async () => (string?)(await PodAsync("slow-start"))?["status"]?["containerStatuses"]?[0]?["state"]?["waiting"]?["reason"] == "ContainerCreating",
            "the kubelet to report the container being created",
            TimeSpan.FromSeconds(30));

        // The kubelet leaves a pod alone while all it waits for is its start delay, but not once the pod changes.
        await _cluster.Client.CoreV1.DeleteNamespacedPodAsync("slow-start", ClusterSession.Ns);

        await Eventually.HoldsAsync(async () => await PodAsync("slow-start") is null, "the pod to be gone long before its start delay ends", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Volumes_AppearAtTheirMountPaths_AndConfigMapsStayCurrent()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/configmaps", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "settings" },
            ["data"] = new JsonObject { ["mode"] = "first" },
        });
        var container = Manifests.PeerContainer();
        // A TCP readiness probe this time: Ready waits for the port to accept connections.
        container["readinessProbe"] = new JsonObject { ["tcpSocket"] = new JsonObject { ["port"] = 8080 }, ["periodSeconds"] = 1 };
        container["volumeMounts"] = new JsonArray(
            new JsonObject { ["name"] = "settings", ["mountPath"] = "/etc/moe/settings" },
            new JsonObject { ["name"] = "scratch", ["mountPath"] = "/scratch" });
        var pod = PeerPod("mounts");
        pod["spec"]!["containers"] = new JsonArray(container);
        pod["spec"]!["volumes"] = new JsonArray(
            new JsonObject { ["name"] = "settings", ["configMap"] = new JsonObject { ["name"] = "settings" } },
            new JsonObject { ["name"] = "scratch", ["emptyDir"] = new JsonObject() });
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", pod);
        var ip = await ReadyIpAsync("mounts");

        (await _cluster.Http.GetStringAsync(new Uri($"http://{ip}:8080/file?path=/etc/moe/settings/mode"))).ShouldBe("first");
        using (var scratch = await _cluster.Http.GetAsync(new Uri($"http://{ip}:8080/file?path=/scratch")))
        {
            (await scratch.Content.ReadAsStringAsync()).ShouldContain("Is a directory", customMessage: "the emptyDir is mounted as a directory");
        }
        File.Exists("/etc/moe/settings/mode").ShouldBeFalse("nothing is created on the machine itself");

        var settings = await _cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", ClusterSession.Ns);
        settings.Data["mode"] = "second";
        await _cluster.Client.CoreV1.ReplaceNamespacedConfigMapAsync(settings, "settings", ClusterSession.Ns);
        await Eventually.HoldsAsync(async () => await _cluster.Http.GetStringAsync(new Uri($"http://{ip}:8080/file?path=/etc/moe/settings/mode")) == "second", "the mounted file to follow the ConfigMap");
    }

    [Fact]
    public async Task APod_ReachesTheApiServerAsInACluster_UntilItIsPartitioned()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", PeerPod("client"));
        var ip = await ReadyIpAsync("client");

        (await _cluster.Http.GetStringAsync(new Uri($"http://{ip}:8080/api"))).ShouldStartWith("v1.", customMessage: "service-account token, CA and kubernetes.default.svc work from inside the pod");

        _cluster.Cluster.PartitionFromApiServer(ClusterSession.Ns, "client").ShouldBeTrue();
        using var cut = await _cluster.Http.GetAsync(new Uri($"http://{ip}:8080/api"));
        cut.StatusCode.ShouldBe(HttpStatusCode.BadGateway);

        _cluster.Cluster.PartitionFromApiServer(ClusterSession.Ns, "client", partitioned: false);
        (await _cluster.Http.GetStringAsync(new Uri($"http://{ip}:8080/api"))).ShouldStartWith("v1.");
    }

    [Fact]
    public async Task FailingLivenessProbe_RestartsTheContainer()
    {
        var container = Manifests.PeerContainer();
        container["livenessProbe"] = new JsonObject { ["exec"] = new JsonObject { ["command"] = new JsonArray("false") }, ["periodSeconds"] = 1, ["failureThreshold"] = 2 };
        var pod = PeerPod("unhealthy");
        pod["spec"]!["containers"] = new JsonArray(container);
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", pod);

        await Eventually.HoldsAsync(async () => (int?)(await PodAsync("unhealthy"))?["status"]?["containerStatuses"]?[0]?["restartCount"] >= 1, "the liveness restart", TimeSpan.FromSeconds(30));
        ((string?)(await PodAsync("unhealthy"))!["status"]!["containerStatuses"]![0]!["lastState"]!["terminated"]!["message"]).ShouldBe("Liveness probe failed");
    }

    [Fact]
    public async Task AProcessIgnoringSigterm_IsKilledAfterTheGracePeriod()
    {
        var pod = Manifests.PythonPod("stubborn", "import signal, time; signal.signal(signal.SIGTERM, lambda *a: print('ignored', flush=True)); print('up', flush=True); time.sleep(600)", restartPolicy: "Always");
        pod["spec"]!["terminationGracePeriodSeconds"] = 1;
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", pod);
        await Eventually.HoldsAsync(async () => _cluster.Kubectl("logs", "-n", ClusterSession.Ns, "stubborn").Stdout.Contains("up", StringComparison.Ordinal), "the program to start", TimeSpan.FromSeconds(30));

        await _cluster.Client.CoreV1.DeleteNamespacedPodAsync("stubborn", ClusterSession.Ns);

        (await PodAsync("stubborn")).ShouldNotBeNull("the pod stays, terminating, while its process runs");
        await Eventually.HoldsAsync(async () => await PodAsync("stubborn") is null, "SIGKILL after the grace period", TimeSpan.FromSeconds(20));
        var log = await File.ReadAllTextAsync(Directory.EnumerateFiles(_cluster.DataDirectory, "1.log", SearchOption.AllDirectories).Single(f => f.Contains("stubborn", StringComparison.Ordinal)));
        log.ShouldContain("ignored", customMessage: "SIGTERM came first");
    }

    [Fact]
    public async Task HostPathsAndClaims_AreDirectoriesUnderTheDataDirectory_ThatOutliveThePod()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/persistentvolumeclaims", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolumeClaim",
            ["metadata"] = new JsonObject { ["name"] = "checkpoints" },
            ["spec"] = new JsonObject { ["accessModes"] = new JsonArray("ReadWriteOnce"), ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } } },
        });
        var pod = Manifests.PythonPod("writer", "open('/host/a.txt', 'w').write('host'); open('/ckpt/b.txt', 'w').write('claim')");
        pod["spec"]!["containers"]![0]!["volumeMounts"] = new JsonArray(
            new JsonObject { ["name"] = "host", ["mountPath"] = "/host" },
            new JsonObject { ["name"] = "ckpt", ["mountPath"] = "/ckpt" });
        pod["spec"]!["volumes"] = new JsonArray(
            new JsonObject { ["name"] = "host", ["hostPath"] = new JsonObject { ["path"] = "/mnt/moe/shared", ["type"] = "DirectoryOrCreate" } },
            new JsonObject { ["name"] = "ckpt", ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = "checkpoints" } });
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", pod);

        await Eventually.HoldsAsync(async () => (string?)(await PodAsync("writer"))?["status"]?["phase"] == "Succeeded", "the writer to finish", TimeSpan.FromSeconds(30));
        await _cluster.Client.CoreV1.DeleteNamespacedPodAsync("writer", ClusterSession.Ns);
        await Eventually.HoldsAsync(async () => await PodAsync("writer") is null, "the pod to go");

        (await File.ReadAllTextAsync(Path.Combine(_cluster.DataDirectory, "hostpath", "mnt", "moe", "shared", "a.txt"))).ShouldBe("host");
        (await File.ReadAllTextAsync(Path.Combine(_cluster.DataDirectory, "claims", ClusterSession.Ns, "checkpoints", "b.txt"))).ShouldBe("claim");
        Directory.Exists("/mnt/moe/shared").ShouldBeFalse("a hostPath never touches the machine's own path");
    }

    [Fact]
    public async Task SimulatedContainers_ExitWithTheCodeTheirAnnotationsGive()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = "daemon",
                ["annotations"] = new JsonObject { ["sim.moe.dev/run-time"] = "300ms", ["sim.moe.dev/exit-code"] = "4" },
            },
            ["spec"] = new JsonObject { ["restartPolicy"] = "Never", ["containers"] = new JsonArray(new JsonObject { ["name"] = "meta", ["image"] = "ghcr.io/deepseek-ai/3fs:latest" }) },
        });

        await Eventually.HoldsAsync(async () => (string?)(await PodAsync("daemon"))?["status"]?["phase"] == "Failed", "the simulated exit", TimeSpan.FromSeconds(20));
        ((int?)(await PodAsync("daemon"))!["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["exitCode"]).ShouldBe(4);
    }
}
