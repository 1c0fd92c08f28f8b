using System.Text.Json.Nodes;
using k8s;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.Testing;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>Jobs, DaemonSets, Deployments and Service endpoints on the dev cluster.</summary>
public sealed class WorkloadControllerTests : IAsyncLifetime, IDisposable
{
    private readonly ClusterSession _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    public void Dispose() => _cluster.Dispose();

    private static JsonObject Template(JsonObject container, string restartPolicy, string app) => new()
    {
        ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = app } },
        ["spec"] = new JsonObject { ["restartPolicy"] = restartPolicy, ["containers"] = new JsonArray(container) },
    };

    [Fact]
    public async Task Job_RunsItsPodsToCompletion_AndKubectlLogsShowsTheirOutput()
    {
        var container = new JsonObject { ["name"] = "work", ["image"] = "test/python", ["args"] = new JsonArray("-c", "import os; print('done', os.environ['JOB_COMPLETION_INDEX'])") };
        await _cluster.CreateAsync("/apis/batch/v1/namespaces/{ns}/jobs", new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject { ["name"] = "work" },
            ["spec"] = new JsonObject { ["completions"] = 3, ["parallelism"] = 2, ["completionMode"] = "Indexed", ["template"] = Template(container, "Never", "work") },
        });

        await Eventually.HoldsAsync(async () => (await _cluster.GetAsync("/apis/batch/v1/namespaces/{ns}/jobs/work"))?["status"]?["conditions"]?.AsArray().Any(c => (string?)c!["type"] == "Complete") == true, "the job to complete", TimeSpan.FromSeconds(60));

        var status = (await _cluster.GetAsync("/apis/batch/v1/namespaces/{ns}/jobs/work"))!["status"]!;
        ((int?)status["succeeded"]).ShouldBe(3);
        ((string?)status["completedIndexes"]).ShouldBe("0,1,2");
        var pods = await _cluster.PodsAsync("job-name=work");
        pods.ShouldAllBe(p => (string?)p["status"]!["phase"] == "Succeeded");
        var first = (string)pods.First(p => (string?)p["metadata"]!["annotations"]!["batch.kubernetes.io/job-completion-index"] == "1")["metadata"]!["name"]!;
        var logs = _cluster.Kubectl("logs", "-n", ClusterSession.Ns, first);
        logs.ExitCode.ShouldBe(0, logs.Output);
        logs.Stdout.Trim().ShouldBe("done 1");
    }

    [Fact]
    public async Task Job_WhoseBackoffLimitIsExceeded_Fails()
    {
        var container = new JsonObject { ["name"] = "work", ["image"] = "test/python", ["args"] = new JsonArray("-c", "raise SystemExit(2)") };
        await _cluster.CreateAsync("/apis/batch/v1/namespaces/{ns}/jobs", new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject { ["name"] = "doomed" },
            ["spec"] = new JsonObject { ["backoffLimit"] = 1, ["template"] = Template(container, "Never", "doomed") },
        });

        await Eventually.HoldsAsync(async () => (await _cluster.GetAsync("/apis/batch/v1/namespaces/{ns}/jobs/doomed"))?["status"]?["conditions"]?.AsArray().Any(c => (string?)c!["type"] == "Failed" && (string?)c["reason"] == "BackoffLimitExceeded") == true, "the job to fail", TimeSpan.FromSeconds(60));
        ((int?)(await _cluster.GetAsync("/apis/batch/v1/namespaces/{ns}/jobs/doomed"))!["status"]!["failed"]).ShouldBe(2);
    }

    [Fact]
    public async Task DaemonSet_PutsOnePodOnEveryMatchingNode()
    {
        var container = new JsonObject { ["name"] = "agent", ["image"] = "example.com/node-agent:1" };
        var template = Template(container, "Always", "agent");
        template["spec"]!["nodeSelector"] = new JsonObject { [NodeBuilder.LeafLabel] = "leaf-1" };
        await _cluster.CreateAsync("/apis/apps/v1/namespaces/{ns}/daemonsets", new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "DaemonSet",
            ["metadata"] = new JsonObject { ["name"] = "agent" },
            ["spec"] = new JsonObject { ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "agent" } }, ["template"] = template },
        });

        await Eventually.HoldsAsync(async () => (int?)(await _cluster.GetAsync("/apis/apps/v1/namespaces/{ns}/daemonsets/agent"))?["status"]?["numberReady"] == 2, "two ready daemon pods", TimeSpan.FromSeconds(30));
        var pods = await _cluster.PodsAsync("app=agent");
        pods.Select(p => (string?)p["spec"]!["nodeName"]).Order().ToList().ShouldBe([NodeBuilder.NameOf(2), NodeBuilder.NameOf(3)], "leaf-1 holds nodes 2 and 3");
        ((int?)(await _cluster.GetAsync("/apis/apps/v1/namespaces/{ns}/daemonsets/agent"))!["status"]!["desiredNumberScheduled"]).ShouldBe(2);
    }

    [Fact]
    public async Task DaemonSet_TemplateChange_RollsOneNodeAtATime_UntilEveryPodRunsTheNewTemplate()
    {
        var container = new JsonObject { ["name"] = "agent", ["image"] = "example.com/node-agent:1" };
        await _cluster.CreateAsync("/apis/apps/v1/namespaces/{ns}/daemonsets", new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "DaemonSet",
            ["metadata"] = new JsonObject { ["name"] = "roller" },
            ["spec"] = new JsonObject { ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "roller" } }, ["template"] = Template(container, "Always", "roller") },
        });
        var nodes = _cluster.Cluster.Server.Service.Store.List("nodes", null).Items.Count;
        await Eventually.HoldsAsync(async () => (int?)(await _cluster.GetAsync("/apis/apps/v1/namespaces/{ns}/daemonsets/roller"))?["status"]?["numberReady"] == nodes, "a ready daemon on every node", TimeSpan.FromSeconds(30));

        var set = _cluster.Kubectl("-n", ClusterSession.Ns, "set", "image", "daemonset/roller", "agent=example.com/node-agent:2");
        set.ExitCode.ShouldBe(0, set.Output);

        // While it rolls, at most one node (maxUnavailable 1) lacks a ready daemon.
        var worstUnavailable = 0;
        await Eventually.HoldsAsync(
            async () =>
            {
                var pods = (await _cluster.PodsAsync("app=roller")).Where(p => p["metadata"]!["deletionTimestamp"] is null).ToList();
                var readyNodes = pods.Where(p => p["status"]?["conditions"]?.AsArray().Any(c => (string?)c!["type"] == "Ready" && (string?)c["status"] == "True") == true)
                    .Select(p => (string?)p["spec"]!["nodeName"]).Distinct().Count();
                worstUnavailable = Math.Max(worstUnavailable, nodes - readyNodes);
                var status = (await _cluster.GetAsync("/apis/apps/v1/namespaces/{ns}/daemonsets/roller"))?["status"];
                return pods.Count == nodes && pods.All(p => (string?)p["spec"]!["containers"]![0]!["image"] == "example.com/node-agent:2")
                    && (int?)status?["updatedNumberScheduled"] == nodes && (int?)status?["numberReady"] == nodes;
            },
            "every daemon to run the new image",
            TimeSpan.FromSeconds(60));
        worstUnavailable.ShouldBeLessThanOrEqualTo(1);
    }

    [Fact]
    public async Task AServicesEndpoints_FollowPodsThatJoinOrLeaveItsSelector_WithoutWaitingForAFullPass()
    {
        // The session's resync period is an hour: what this sees, the incremental passes did.
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/services", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = "follow" },
            ["spec"] = new JsonObject { ["selector"] = new JsonObject { ["app"] = "follow", ["tier"] = "x" }, ["ports"] = new JsonArray(new JsonObject { ["port"] = 80 }) },
        });
        foreach (var (pod, app) in new[] { ("follow-a", "follow"), ("follow-b", "follow"), ("other", "elsewhere") })
        {
            await _cluster.CreateAsync("/api/v1/namespaces/{ns}/pods", Manifests.SimulatedPod(pod, labels: new JsonObject { ["app"] = app, ["tier"] = "x" }, image: "example.com/web:1"));
        }

        async Task<List<string>> Listed() =>
            [.. ((await _cluster.GetAsync("/api/v1/namespaces/{ns}/endpoints/follow"))?["subsets"]?.AsArray().FirstOrDefault()?["addresses"]?.AsArray() ?? [])
                .Select(a => (string?)a?["targetRef"]?["name"] ?? "").Order(StringComparer.Ordinal)];
        await Eventually.HoldsAsync(async () => (await Listed()).SequenceEqual(["follow-a", "follow-b"]), "both matching pods listed", TimeSpan.FromSeconds(30));

        // A pod relabelled into the selector joins; one relabelled out of it, or deleted, leaves.
        (await _cluster.PatchAsync("/api/v1/namespaces/{ns}/pods/other", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "follow" } } })).Status.ShouldBe(System.Net.HttpStatusCode.OK);
        (await _cluster.PatchAsync("/api/v1/namespaces/{ns}/pods/follow-a", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["tier"] = "y" } } })).Status.ShouldBe(System.Net.HttpStatusCode.OK);
        await _cluster.Client.CoreV1.DeleteNamespacedPodAsync("follow-b", ClusterSession.Ns, gracePeriodSeconds: 0);

        await Eventually.HoldsAsync(async () => (await Listed()).SequenceEqual(["other"]), "only the relabelled pod listed", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Deployment_CreatesAReplicaSetAndPods_AndItsServiceListsThemAsEndpoints()
    {
        var container = new JsonObject { ["name"] = "web", ["image"] = "example.com/web:1", ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = 80 }) };
        await _cluster.CreateAsync("/apis/apps/v1/namespaces/{ns}/deployments", new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = "web" },
            ["spec"] = new JsonObject { ["replicas"] = 3, ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "web" } }, ["template"] = Template(container, "Always", "web") },
        });
        await _cluster.CreateAsync("/api/v1/namespaces/{ns}/services", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = "web" },
            ["spec"] = new JsonObject { ["selector"] = new JsonObject { ["app"] = "web" }, ["ports"] = new JsonArray(new JsonObject { ["port"] = 8080, ["targetPort"] = "http" }) },
        });

        await Eventually.HoldsAsync(async () => (int?)(await _cluster.GetAsync("/apis/apps/v1/namespaces/{ns}/deployments/web"))?["status"]?["availableReplicas"] == 3, "three available replicas", TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(async () => (await _cluster.GetAsync("/api/v1/namespaces/{ns}/endpoints/web"))?["subsets"]?[0]?["addresses"]?.AsArray().Count == 3, "three endpoint addresses", TimeSpan.FromSeconds(30));

        var sets = await _cluster.GetAsync("/apis/apps/v1/namespaces/{ns}/replicasets");
        sets!["items"]!.AsArray().ShouldHaveSingleItem();
        var endpoints = await _cluster.GetAsync("/api/v1/namespaces/{ns}/endpoints/web");
        ((int?)endpoints!["subsets"]![0]!["ports"]![0]!["port"]).ShouldBe(80, "the named target port resolves to the container port");
        var service = await _cluster.GetAsync("/api/v1/namespaces/{ns}/services/web");
        ((string?)service!["spec"]!["clusterIP"]).ShouldStartWith("10.96.");
        var slices = await _cluster.GetAsync("/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb");
        slices!["items"]![0]!["endpoints"]!.AsArray().Count.ShouldBe(3);
        var get = _cluster.Kubectl("get", "deploy,rs,pods", "-n", ClusterSession.Ns);
        get.ExitCode.ShouldBe(0, get.Output);
        get.Stdout.ShouldContain("deployment.apps/web");
    }
}
