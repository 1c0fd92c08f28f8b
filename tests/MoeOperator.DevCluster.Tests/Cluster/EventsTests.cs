using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>
/// One store of Events served as core v1 and as events.k8s.io/v1, as the real API server does: an event written
/// through either API is read through both, with the fields each version names, and kubectl get events (core v1)
/// shows what a controller recorded through events.k8s.io.
/// </summary>
public sealed class EventsTests : IAsyncLifetime, IDisposable
{
    private readonly ClusterSession _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task AnEventRecordedThroughEventsV1_IsACoreEventToo_AndKubectlShowsIt()
    {
        await _cluster.CreateAsync("/apis/events.k8s.io/v1/namespaces/{ns}/events", new JsonObject
        {
            ["apiVersion"] = "events.k8s.io/v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["name"] = "tj.one" },
            ["regarding"] = new JsonObject { ["kind"] = "Pod", ["name"] = "rank-0", ["namespace"] = ClusterSession.Ns, ["apiVersion"] = "v1" },
            ["reason"] = "Checkpointed",
            ["note"] = "step 20 checkpointed",
            ["type"] = "Normal",
            ["action"] = "Checkpoint",
            ["reportingController"] = "moe.dev/operator",
            ["reportingInstance"] = "moe-operator-0",
            ["eventTime"] = "2026-01-01T00:00:00.000000Z",
        });

        var core = (await _cluster.GetAsync("/api/v1/namespaces/{ns}/events/tj.one"))!;
        ((string?)core["apiVersion"]).ShouldBe("v1");
        ((string?)core["message"]).ShouldBe("step 20 checkpointed");
        ((string?)core["involvedObject"]!["name"]).ShouldBe("rank-0");
        ((string?)core["reportingComponent"]).ShouldBe("moe.dev/operator");
        ((string?)core["reason"]).ShouldBe("Checkpointed");

        var listed = _cluster.Kubectl("get", "events", "-n", ClusterSession.Ns);
        listed.ExitCode.ShouldBe(0, listed.Output);
        listed.Stdout.ShouldContain("Checkpointed");
        listed.Stdout.ShouldContain("step 20 checkpointed");
        var selected = (await _cluster.GetAsync("/api/v1/namespaces/{ns}/events?fieldSelector=involvedObject.name=rank-0"))!;
        selected["items"]!.AsArray().Select(e => (string?)e!["metadata"]!["name"]).ShouldBe(["tj.one"], "kubectl describe finds a pod's events by involvedObject");
    }

    [Fact]
    public async Task ACoreEvent_ReadsAsEventsV1_WithItsFieldsRenamed()
    {
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/events", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["name"] = "core.one" },
            ["involvedObject"] = new JsonObject { ["kind"] = "Pod", ["name"] = "web", ["namespace"] = ClusterSession.Ns },
            ["reason"] = "BackOff",
            ["message"] = "Back-off restarting failed container",
            ["type"] = "Warning",
            ["count"] = 3,
            ["source"] = new JsonObject { ["component"] = "kubelet", ["host"] = "dev-node-0" },
            ["firstTimestamp"] = "2026-01-01T00:00:00Z",
            ["lastTimestamp"] = "2026-01-01T00:01:00Z",
        });

        var viewed = (await _cluster.GetAsync("/apis/events.k8s.io/v1/namespaces/{ns}/events/core.one"))!;
        ((string?)viewed["apiVersion"]).ShouldBe("events.k8s.io/v1");
        ((string?)viewed["note"]).ShouldBe("Back-off restarting failed container");
        ((string?)viewed["regarding"]!["name"]).ShouldBe("web");
        ((int?)viewed["deprecatedCount"]).ShouldBe(3);
        ((string?)viewed["deprecatedSource"]!["component"]).ShouldBe("kubelet");
        ((string?)viewed["deprecatedLastTimestamp"]).ShouldBe("2026-01-01T00:01:00Z");
        viewed["message"].ShouldBeNull("events.k8s.io/v1 names it note");
        var selected = (await _cluster.GetAsync("/apis/events.k8s.io/v1/namespaces/{ns}/events?fieldSelector=regarding.name=web"))!;
        selected["items"]!.AsArray().Select(e => (string?)e!["metadata"]!["name"]).ShouldBe(["core.one"]);

        // A patch through the view lands in the one store.
        var (status, _) = await _cluster.PatchAsync("/apis/events.k8s.io/v1/namespaces/{ns}/events/core.one", new JsonObject { ["note"] = "patched" });
        ((int)status).ShouldBe(200);
        ((string?)(await _cluster.GetAsync("/api/v1/namespaces/{ns}/events/core.one"))!["message"]).ShouldBe("patched");
    }

    [Fact]
    public async Task TheClustersComponents_RecordWhatTheyDo_AndKubectlDescribeShowsIt()
    {
        await _cluster.CreateAsync("/apis/apps/v1/namespaces/{ns}/deployments", new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = "web" },
            ["spec"] = new JsonObject
            {
                ["replicas"] = 2,
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "web" } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "web" } },
                    ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "test/python", ["args"] = new JsonArray("-c", "import time; time.sleep(600)") }) },
                },
            },
        });
        await _cluster.WaitForAsync(async () => (await _cluster.PodsAsync("app=web")).Count(p => (string?)p["status"]?["phase"] == "Running") == 2, "two running pods", TimeSpan.FromSeconds(60));
        var pod = (await _cluster.PodsAsync("app=web")).OrderBy(p => (string?)p["metadata"]!["name"], StringComparer.Ordinal).First();
        var podName = (string)pod["metadata"]!["name"]!;

        async Task<List<JsonObject>> EventsAsync() => [.. (await _cluster.GetAsync("/api/v1/namespaces/{ns}/events"))!["items"]!.AsArray().OfType<JsonObject>()];
        await _cluster.WaitForAsync(async () => (await EventsAsync()).Any(e => (string?)e["reason"] == "Started" && (string?)e["involvedObject"]!["name"] == podName), "the pod's Started event", TimeSpan.FromSeconds(30));
        var events = await EventsAsync();
        string[] Of(string kind, string name) => [.. events.Where(e => (string?)e["involvedObject"]!["kind"] == kind && (string?)e["involvedObject"]!["name"] == name).Select(e => (string)e["reason"]!)];
        Of("Deployment", "web").ShouldContain("ScalingReplicaSet");
        var replicaSet = (string)events.First(e => (string?)e["involvedObject"]!["kind"] == "ReplicaSet")["involvedObject"]!["name"]!;
        Of("ReplicaSet", replicaSet).ShouldBe(["SuccessfulCreate", "SuccessfulCreate"], ignoreOrder: true, "one per pod, each naming its pod");
        Of("Pod", podName).ShouldBe(["Scheduled", "Pulled", "Created", "Started"], ignoreOrder: true);
        var scheduled = events.Single(e => (string?)e["reason"] == "Scheduled" && (string?)e["involvedObject"]!["name"] == podName);
        ((string?)scheduled["source"]!["component"]).ShouldBe("default-scheduler");
        ((string?)scheduled["message"]).ShouldBe($"Successfully assigned {ClusterSession.Ns}/{podName} to {pod["spec"]!["nodeName"]}");

        var described = _cluster.Kubectl("describe", "pod", "-n", ClusterSession.Ns, podName);
        described.ExitCode.ShouldBe(0, described.Output);
        described.Stdout.ShouldContain("Events:");
        described.Stdout.ShouldContain("Successfully assigned");
        described.Stdout.ShouldContain("Started container main");
    }
}
