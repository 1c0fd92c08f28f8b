using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.Testing;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>The node pool, the scheduler's verdicts, and nodes that go away.</summary>
public sealed class NodesAndSchedulingTests : IAsyncLifetime, IDisposable
{
    private readonly ClusterSession _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    public void Dispose() => _cluster.Dispose();

    private async Task<JsonObject?> PodAsync(string name) => await _cluster.GetAsync($"/api/v1/namespaces/{{ns}}/pods/{name}");

    private static JsonObject GpuPod(string name, int gpus) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = "main",
                ["image"] = "example.com/trainer:1",
                ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["nvidia.com/gpu"] = gpus.ToString(System.Globalization.CultureInfo.InvariantCulture) } },
            }),
        },
    };

    [Fact]
    public async Task Nodes_AreReadyWithGpusTopologyAndHeartbeatLeases_AndKubectlListsThem()
    {
        var get = _cluster.Kubectl("get", "nodes,pods", "-A");
        get.ExitCode.ShouldBe(0, get.Output);
        get.Stdout.ShouldContain("dev-node-3");

        var node = (await _cluster.GetAsync($"/api/v1/nodes/{NodeBuilder.NameOf(3)}"))!;
        ((string?)node["status"]!["allocatable"]!["nvidia.com/gpu"]).ShouldBe("2");
        ((string?)node["metadata"]!["labels"]![NodeBuilder.LeafLabel]).ShouldBe("leaf-1");
        ((string?)node["metadata"]!["labels"]![NodeBuilder.SpineLabel]).ShouldBe("spine-0");
        node["status"]!["conditions"]!.AsArray().ShouldContain(c => (string?)c!["type"] == "Ready" && (string?)c["status"] == "True");
        var lease = await _cluster.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{NodeBuilder.NameOf(3)}");
        ((string?)lease!["spec"]!["holderIdentity"]).ShouldBe(NodeBuilder.NameOf(3));
    }

    [Fact]
    public async Task AnUnschedulableGpuRequest_SaysWhyInThePodScheduledCondition()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", GpuPod("greedy", 4));

        await Eventually.HoldsAsync(async () => (await PodAsync("greedy"))?["status"]?["conditions"]?.AsArray().Any(c => (string?)c!["type"] == "PodScheduled") == true, "the scheduler's verdict");
        var condition = (await PodAsync("greedy"))!["status"]!["conditions"]!.AsArray().First(c => (string?)c!["type"] == "PodScheduled")!;
        ((string?)condition["status"]).ShouldBe("False");
        ((string?)condition["reason"]).ShouldBe("Unschedulable");
        ((string?)condition["message"]).ShouldBe("0/4 nodes are available: 4 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.");
        var describe = _cluster.Kubectl("get", "pod", "greedy", "-n", ClusterSession.Ns);
        describe.Stdout.ShouldContain("Pending");
    }

    [Fact]
    public async Task AnImpossiblePodAmongSchedulableOnes_LeavesTheOthersRunning()
    {
        // As a user writes it: YAML integers for the GPU counts (the server stores quantities as strings), the
        // impossible pod first so everything after it depends on the scheduler getting past it.
        var manifest = Path.Combine(Path.GetDirectoryName(_cluster.Kubeconfig)!, "impossible.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: v1
            kind: Pod
            metadata: {name: impossible, namespace: t}
            spec:
              containers: [{name: main, image: example.com/trainer:1, resources: {limits: {nvidia.com/gpu: 9}}}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: modest, namespace: t}
            spec:
              containers: [{name: main, image: example.com/trainer:1, resources: {limits: {nvidia.com/gpu: 1, cpu: 0.5}}}]
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: web, namespace: t}
            spec:
              serviceName: web
              replicas: 1
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers: [{name: main, image: example.com/web:1}]
            """);

        var apply = _cluster.Kubectl("apply", "-f", manifest);
        apply.ExitCode.ShouldBe(0, apply.Output);

        await _cluster.WaitForAsync(async () => (await _cluster.PodsAsync()).Count(p => (string?)p["status"]?["phase"] == "Running") == 2, "modest and web-0 to run", TimeSpan.FromSeconds(60));
        (await PodAsync("web-0"))!["status"]!["phase"]!.GetValue<string>().ShouldBe("Running");
        var modest = (await PodAsync("modest"))!;
        ((string?)modest["status"]!["phase"]).ShouldBe("Running");
        ((string?)modest["spec"]!["containers"]![0]!["resources"]!["limits"]!["cpu"]).ShouldBe("500m", "a number is stored as the server's quantity string");
        await _cluster.WaitForAsync(
            async () => ((string?)(await PodAsync("impossible"))?["status"]?["conditions"]?[0]?["message"])?.StartsWith("0/4 nodes are available: 4 Insufficient nvidia.com/gpu.", StringComparison.Ordinal) == true,
            "the impossible pod's verdict", TimeSpan.FromSeconds(30));
        _cluster.ShouldHaveNoComponentErrors();
    }

    [Fact]
    public async Task AQuantityThatIsNotOne_IsRefusedAsTheRealServerRefusesIt()
    {
        var pod = GpuPod("bad", 1);
        pod["spec"]!["containers"]![0]!["resources"]!["limits"]!["nvidia.com/gpu"] = "nine";
        var json = new MoeOperator.Runtime.Client.KubernetesJsonClient(_cluster.Client);

        var (status, body) = await json.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ClusterSession.Ns}/pods", pod);

        ((int)status).ShouldBe(400);
        ((string?)body!["message"]).ShouldBe("Pod in version \"v1\" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    }

    [Fact]
    public async Task APodTheSchedulerCannotRead_IsReportedAgainstThatPod_AndTheOthersStillSchedule()
    {
        // A pod whose stored request is not a quantity string (written around the API's checks) makes the
        // scheduler throw on it: the error must name the pod, be counted on /metrics, and stop nothing else.
        var broken = GpuPod("broken", 1);
        broken["metadata"]!["namespace"] = ClusterSession.Ns;
        broken["metadata"]!["creationTimestamp"] = "2000-01-01T00:00:00Z";
        broken["metadata"]!["uid"] = Guid.NewGuid().ToString();
        broken["spec"]!["containers"]![0]!["resources"]!["limits"]!["nvidia.com/gpu"] = new JsonObject { ["not"] = "a quantity" };
        broken["status"] = new JsonObject { ["phase"] = "Pending" };
        var service = _cluster.Cluster.Server.Service;
        lock (service.Store.Gate)
        {
            service.Store.Put(new Storage.ObjectKey("pods", ClusterSession.Ns, "broken"), broken);
        }

        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", GpuPod("after", 1));

        await _cluster.WaitForAsync(async () => (string?)(await PodAsync("after"))?["status"]?["phase"] == "Running", "the pod created after the broken one to run", TimeSpan.FromSeconds(30));
        var error = _cluster.Cluster.Errors.ShouldHaveSingleItem();
        error.Component.ShouldBe("default-scheduler");
        error.Object.ShouldBe($"pod {ClusterSession.Ns}/broken");
        var metrics = await _cluster.GetTextAsync("/metrics");
        metrics.ShouldContain("moe_dev_component_errors_total{component=\"default-scheduler\"} ");

        _cluster.Kubectl("delete", "pod", "broken", "-n", ClusterSession.Ns, "--wait=false").ExitCode.ShouldBe(0);
        await _cluster.WaitForAsync(() => Task.FromResult(_cluster.Cluster.Errors.Count == 0), "the error to clear once the pod is gone", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task PodsNamingAFullNode_AreRefusedByItsKubelet_AsARealKubeletRefusesThem()
    {
        var node = NodeBuilder.NameOf(0);
        JsonObject Pinned(string name, int gpus, string? cpu = null)
        {
            var pod = GpuPod(name, gpus);
            pod["spec"]!["nodeName"] = node;
            if (cpu is not null)
            {
                pod["spec"]!["containers"]![0]!["resources"]!["limits"]!["cpu"] = cpu;
            }

            return pod;
        }

        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", Pinned("first", 2));
        await _cluster.WaitForAsync(async () => (string?)(await PodAsync("first"))?["status"]?["phase"] == "Running", "the first pod to run", TimeSpan.FromSeconds(30));
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", Pinned("second", 1));
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", Pinned("greedy-cpu", 0, cpu: "100"));

        await _cluster.WaitForAsync(async () => (string?)(await PodAsync("second"))?["status"]?["phase"] == "Failed", "the kubelet to refuse the second pod", TimeSpan.FromSeconds(30));
        var second = (await PodAsync("second"))!["status"]!;
        ((string?)second["reason"]).ShouldBe("UnexpectedAdmissionError");
        ((string?)second["message"]).ShouldBe("Allocate failed due to requested number of devices unavailable for nvidia.com/gpu. Requested: 1, Available: 0, which is unexpected");
        await _cluster.WaitForAsync(async () => (string?)(await PodAsync("greedy-cpu"))?["status"]?["phase"] == "Failed", "the kubelet to refuse the cpu-hungry pod", TimeSpan.FromSeconds(30));
        var cpu = (await PodAsync("greedy-cpu"))!["status"]!;
        ((string?)cpu["reason"]).ShouldBe("OutOfcpu");
        ((string?)cpu["message"]).ShouldBe("Pod Node didn't have enough resource: cpu, requested: 100000, used: 0, capacity: 16000");
        ((string?)(await PodAsync("first"))!["status"]!["phase"]).ShouldBe("Running", "the pod admitted first keeps running");
        _cluster.ShouldHaveNoComponentErrors();
    }

    [Fact]
    public async Task GpuPods_FillNodesUntilTheGpusRunOut()
    {
        for (var i = 0; i < 5; i++)
        {
            await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", GpuPod($"gpu-{i}", 2));
        }

        await Eventually.HoldsAsync(async () => (await _cluster.PodsAsync()).Count(p => (string?)p["status"]?["phase"] == "Running") == 4, "four running pods", TimeSpan.FromSeconds(30));
        var pods = await _cluster.PodsAsync();
        pods.Where(p => (string?)p["spec"]!["nodeName"] is not null).Select(p => (string?)p["spec"]!["nodeName"]).Distinct().Count().ShouldBe(4, "one 2-GPU pod per node");
        var pending = pods.Single(p => (string?)p["spec"]!["nodeName"] is null);
        await Eventually.HoldsAsync(async () => ((string?)(await PodAsync((string)pending["metadata"]!["name"]!))?["status"]?["conditions"]?[0]?["message"])?.Contains("4 Insufficient nvidia.com/gpu", StringComparison.Ordinal) == true, "the fifth pod to wait for GPUs");
    }

    [Fact]
    public async Task ANodeTakenDown_TurnsNotReady_AndItsPodsFail_UntilItIsBroughtBack()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", GpuPod("doomed", 2));
        await Eventually.HoldsAsync(async () => (string?)(await PodAsync("doomed"))?["status"]?["phase"] == "Running", "the pod to run");
        var node = (string)(await PodAsync("doomed"))!["spec"]!["nodeName"]!;

        _cluster.Cluster.TakeNodeDown(node);

        await Eventually.HoldsAsync(async () => (string?)(await PodAsync("doomed"))?["status"]?["phase"] == "Failed", "the pod to fail", TimeSpan.FromSeconds(20));
        ((string?)(await PodAsync("doomed"))!["status"]!["reason"]).ShouldBe("NodeLost");
        var nodeObject = (await _cluster.GetAsync($"/api/v1/nodes/{node}"))!;
        nodeObject["status"]!["conditions"]!.AsArray().ShouldContain(c => (string?)c!["type"] == "Ready" && (string?)c["status"] == "Unknown");
        nodeObject["spec"]!["taints"]!.AsArray().ShouldContain(t => (string?)t!["key"] == "node.kubernetes.io/unreachable" && (string?)t["effect"] == "NoSchedule");

        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", GpuPod("after", 2));
        await Eventually.HoldsAsync(async () => (string?)(await PodAsync("after"))?["spec"]?["nodeName"] is { } placed && placed != node, "new pods to avoid the unreachable node");

        // Back: Ready again and the unreachable taint lifted, as the node lifecycle controller does.
        _cluster.Cluster.BringNodeBack(node);
        await Eventually.HoldsAsync(
            async () => (await _cluster.GetAsync($"/api/v1/nodes/{node}"))!["status"]!["conditions"]!.AsArray().Any(c => (string?)c!["type"] == "Ready" && (string?)c["status"] == "True"),
            "the node to be Ready again",
            TimeSpan.FromSeconds(20));
        var back = (await _cluster.GetAsync($"/api/v1/nodes/{node}"))!;
        (back["spec"]?["taints"]?.AsArray() ?? []).ShouldNotContain(t => (string?)t!["key"] == "node.kubernetes.io/unreachable");
    }

    [Fact]
    public async Task ARemovedNode_FailsItsPods()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", GpuPod("orphan", 1));
        await Eventually.HoldsAsync(async () => (string?)(await PodAsync("orphan"))?["status"]?["phase"] == "Running", "the pod to run");
        var node = (string)(await PodAsync("orphan"))!["spec"]!["nodeName"]!;

        _cluster.Cluster.RemoveNode(node);

        await Eventually.HoldsAsync(async () => (string?)(await PodAsync("orphan"))?["status"]?["phase"] == "Failed", "the pod to fail", TimeSpan.FromSeconds(20));
        (await _cluster.GetAsync($"/api/v1/nodes/{node}")).ShouldBeNull();
    }

    [Fact]
    public async Task GatedPods_WaitWithSchedulingGated_AndPodsNamingANode_SkipTheScheduler()
    {
        var gated = GpuPod("gated", 1);
        gated["spec"]!["schedulingGates"] = new JsonArray(new JsonObject { ["name"] = "moe.dev/gang" });
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", gated);
        var pinned = GpuPod("pinned", 1);
        pinned["spec"]!["nodeName"] = NodeBuilder.NameOf(2);
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", pinned);

        await Eventually.HoldsAsync(async () => (string?)(await PodAsync("gated"))?["status"]?["conditions"]?[0]?["reason"] == "SchedulingGated", "the gate to be reported");
        await Eventually.HoldsAsync(async () => (string?)(await PodAsync("pinned"))?["status"]?["phase"] == "Running", "the pinned pod to run");
        ((string?)(await PodAsync("pinned"))!["spec"]!["nodeName"]).ShouldBe(NodeBuilder.NameOf(2));
        ((string?)(await PodAsync("gated"))!["spec"]!["nodeName"]).ShouldBeNull();
    }
}
