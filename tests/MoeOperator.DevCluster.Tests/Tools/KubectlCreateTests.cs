using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Tests.Tools;

/// <summary>
/// The kubectl commands that build an object themselves and send it as protobuf (create deployment, job, service,
/// serviceaccount, role, rolebinding, clusterrole, clusterrolebinding, pdb; run; expose; autoscale) store what they
/// were asked for.
/// </summary>
public sealed class KubectlCreateTests(KubectlHarness k) : IClassFixture<KubectlHarness>
{
    private JsonObject Get(string ns, string resource, string name) =>
        JsonNode.Parse(k.KubectlOk("get", resource, name, "-n", ns, "-o", "json"))!.AsObject();

    private string Namespace(string name)
    {
        k.Kubectl("create", "namespace", name);
        return name;
    }

    [Fact]
    public void CreateDeployment_ThenExposeAndAutoscaleIt()
    {
        var ns = Namespace("pb-deploy");

        k.KubectlOk("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80", "-n", ns).ShouldContain("deployment.apps/web created");
        k.KubectlOk("expose", "deployment", "web", "--port=8080", "--target-port=80", "--name=web-svc", "-n", ns).ShouldContain("service/web-svc exposed");
        k.KubectlOk("autoscale", "deployment", "web", "--cpu=50%", "--min=1", "--max=5", "-n", ns).ShouldContain("horizontalpodautoscaler.autoscaling/web autoscaled");

        var deployment = Get(ns, "deployment", "web");
        ((int?)deployment["spec"]!["replicas"]).ShouldBe(2);
        ((string?)deployment["spec"]!["selector"]!["matchLabels"]!["app"]).ShouldBe("web");
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
        ((string?)container["image"]).ShouldBe("nginx:1.27");
        ((int?)container["ports"]![0]!["containerPort"]).ShouldBe(80);
        var service = Get(ns, "service", "web-svc");
        ((int?)service["spec"]!["ports"]![0]!["port"]).ShouldBe(8080);
        ((int?)service["spec"]!["ports"]![0]!["targetPort"]).ShouldBe(80);
        ((string?)service["spec"]!["selector"]!["app"]).ShouldBe("web");
        var hpa = Get(ns, "hpa", "web");
        ((string?)hpa["spec"]!["scaleTargetRef"]!["name"]).ShouldBe("web");
        ((int?)hpa["spec"]!["maxReplicas"]).ShouldBe(5);
        ((int?)hpa["spec"]!["metrics"]![0]!["resource"]!["target"]!["averageUtilization"]).ShouldBe(50);
    }

    [Fact]
    public void CreateJob_Run_AndCreateService_StoreTheirPodsCommandsAndPorts()
    {
        var ns = Namespace("pb-work");

        k.KubectlOk("create", "job", "once", "--image=busybox", "-n", ns, "--", "echo", "hi").ShouldContain("job.batch/once created");
        k.KubectlOk("run", "probe", "--image=busybox", "--restart=Never", "--env=MODE=test", "--labels=tier=probe", "-n", ns, "--", "sleep", "1").ShouldContain("pod/probe created");
        k.KubectlOk("create", "service", "nodeport", "edge", "--tcp=8443:443", "-n", ns).ShouldContain("service/edge created");

        var job = Get(ns, "job", "once")["spec"]!["template"]!["spec"]!;
        job["containers"]![0]!["command"]!.AsArray().Select(c => (string?)c).ShouldBe(["echo", "hi"]);
        ((string?)job["restartPolicy"]).ShouldBe("Never");
        var pod = Get(ns, "pod", "probe");
        ((string?)pod["metadata"]!["labels"]!["tier"]).ShouldBe("probe");
        ((string?)pod["spec"]!["containers"]![0]!["env"]![0]!["value"]).ShouldBe("test");
        pod["spec"]!["containers"]![0]!["args"]!.AsArray().Select(c => (string?)c).ShouldBe(["sleep", "1"]);
        var edge = Get(ns, "service", "edge")["spec"]!;
        ((string?)edge["type"]).ShouldBe("NodePort");
        ((string?)edge["ports"]![0]!["name"]).ShouldBe("8443-443");
        ((int?)edge["ports"]![0]!["targetPort"]).ShouldBe(443);
    }

    [Fact]
    public void CreateAccessObjects_ServiceAccountRolesBindingsAndABudget()
    {
        var ns = Namespace("pb-access");

        k.KubectlOk("create", "serviceaccount", "robot", "-n", ns).ShouldContain("serviceaccount/robot created");
        k.KubectlOk("create", "role", "reader", "--verb=get,list", "--resource=pods", "-n", ns).ShouldContain("role.rbac.authorization.k8s.io/reader created");
        k.KubectlOk("create", "rolebinding", "reader", "--role=reader", $"--serviceaccount={ns}:robot", "-n", ns).ShouldContain("rolebinding.rbac.authorization.k8s.io/reader created");
        k.KubectlOk("create", "clusterrole", "pb-watcher", "--verb=watch", "--resource=deployments.apps").ShouldContain("clusterrole.rbac.authorization.k8s.io/pb-watcher created");
        k.KubectlOk("create", "clusterrolebinding", "pb-watcher", "--clusterrole=pb-watcher", "--user=alice").ShouldContain("clusterrolebinding.rbac.authorization.k8s.io/pb-watcher created");
        k.KubectlOk("create", "pdb", "web", "--selector=app=web", "--min-available=1", "-n", ns).ShouldContain("poddisruptionbudget.policy/web created");

        var role = Get(ns, "role", "reader")["rules"]![0]!;
        role["verbs"]!.AsArray().Select(v => (string?)v).ShouldBe(["get", "list"]);
        role["resources"]!.AsArray().Select(v => (string?)v).ShouldBe(["pods"]);
        var binding = Get(ns, "rolebinding", "reader");
        ((string?)binding["roleRef"]!["name"]).ShouldBe("reader");
        ((string?)binding["subjects"]![0]!["kind"], (string?)binding["subjects"]![0]!["name"]).ShouldBe(("ServiceAccount", "robot"));
        var clusterRole = JsonNode.Parse(k.KubectlOk("get", "clusterrole", "pb-watcher", "-o", "json"))!;
        ((string?)clusterRole["rules"]![0]!["apiGroups"]![0]).ShouldBe("apps");
        var clusterBinding = JsonNode.Parse(k.KubectlOk("get", "clusterrolebinding", "pb-watcher", "-o", "json"))!;
        ((string?)clusterBinding["subjects"]![0]!["name"]).ShouldBe("alice");
        var budget = Get(ns, "pdb", "web")["spec"]!;
        ((int?)budget["minAvailable"]).ShouldBe(1);
        ((string?)budget["selector"]!["matchLabels"]!["app"]).ShouldBe("web");
    }

    /// <summary>
    /// kubectl asks for protobuf first (Accept: application/vnd.kubernetes.protobuf,application/json) and decodes the
    /// answer with Kubernetes' own generated code: what it prints with -o json must be the object the server stores.
    /// </summary>
    [Theory]
    [InlineData("deployment", "web", new[] { "create", "deployment", "web", "--image=nginx:1.27", "--replicas=3", "--port=80" })]
    [InlineData("job", "once", new[] { "create", "job", "once", "--image=busybox", "--", "echo", "hi" })]
    [InlineData("service", "edge", new[] { "create", "service", "nodeport", "edge", "--tcp=8443:443" })]
    [InlineData("configmap", "settings", new[] { "create", "configmap", "settings", "--from-literal=mode=fast", "--from-literal=level=3" })]
    [InlineData("secret", "token", new[] { "create", "secret", "generic", "token", "--from-literal=key=s3cr3t" })]
    [InlineData("role", "reader", new[] { "create", "role", "reader", "--verb=get,list", "--resource=pods" })]
    [InlineData("pdb", "budget", new[] { "create", "pdb", "budget", "--selector=app=web", "--max-unavailable=1" })]
    public void ProtobufAnswers_DecodeInKubectl_ToTheStoredObject(string resource, string name, string[] create)
    {
        var ns = Namespace($"pb-answer-{resource}");

        var split = Array.IndexOf(create, "--") is var dashes and >= 0 ? dashes : create.Length;
        var created = k.Kubectl([.. create[..split], "-n", ns, "-o", "json", "-v=8", .. create[split..]]);

        created.ExitCode.ShouldBe(0, created.Output);
        created.Stderr.ShouldContain("Content-Type: application/vnd.kubernetes.protobuf", customMessage: "the request body was protobuf");
        System.Text.RegularExpressions.Regex.Count(created.Stderr, "Content-Type: application/vnd.kubernetes.protobuf").ShouldBeGreaterThanOrEqualTo(2, "the response too (its headers are logged after the request's)");
        var decoded = JsonNode.Parse(created.Stdout)!.AsObject();
        var stored = JsonNode.Parse(k.KubectlOk("get", "--raw", $"/{(resource is "configmap" or "secret" or "service" ? "api/v1" : resource switch { "deployment" => "apis/apps/v1", "job" => "apis/batch/v1", "role" => "apis/rbac.authorization.k8s.io/v1", _ => "apis/policy/v1" })}/namespaces/{ns}/{Plural(resource)}/{name}"))!.AsObject();
        foreach (var obj in (JsonObject[])[decoded, stored])
        {
            obj["metadata"]!.AsObject().Remove("managedFields");
        }

        JsonNode.DeepEquals(decoded, stored).ShouldBeTrue($"kubectl decoded\n{decoded.ToJsonString()}\nthe server stores\n{stored.ToJsonString()}");
    }

    [Fact]
    public async Task ProtobufOnlyClients_GetProtobufOr406_AndErrorsAsProtobufStatus()
    {
        var ns = Namespace("pb-only");
        k.KubectlOk("create", "configmap", "plain", "--from-literal=a=b", "-n", ns);
        using var http = k.Dev.NewHttpClient(k.Dev.Server.Token);

        async Task<(int Code, string? Type, byte[] Body)> GetAsync(string path, string accept)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("Accept", accept);
            using var response = await http.SendAsync(request);
            return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsByteArrayAsync());
        }

        var configMap = await GetAsync($"/api/v1/namespaces/{ns}/configmaps/plain", "application/vnd.kubernetes.protobuf");
        var missing = await GetAsync($"/api/v1/namespaces/{ns}/configmaps/absent", "application/vnd.kubernetes.protobuf");
        var undescribed = await GetAsync("/api/v1/namespaces/default/endpoints/kubernetes", "application/vnd.kubernetes.protobuf");
        var fallback = await GetAsync("/api/v1/namespaces/default/endpoints/kubernetes", "application/vnd.kubernetes.protobuf,application/json");

        (configMap.Code, configMap.Type).ShouldBe((200, "application/vnd.kubernetes.protobuf"));
        ((string?)MoeOperator.DevCluster.Protobuf.ProtobufBodies.Decode(configMap.Body)["data"]!["a"]).ShouldBe("b");
        (missing.Code, missing.Type).ShouldBe((404, "application/vnd.kubernetes.protobuf"));
        var status = MoeOperator.DevCluster.Protobuf.ProtobufBodies.Decode(missing.Body);
        ((string?)status["reason"], (long?)status["code"]).ShouldBe(("NotFound", 404L));
        undescribed.Code.ShouldBe(406, "Endpoints have no protobuf description and the client takes nothing else");
        (fallback.Code, fallback.Type).ShouldBe((200, "application/json"));
    }

    private static string Plural(string resource) => resource switch
    {
        "pdb" => "poddisruptionbudgets",
        _ => resource + "s",
    };
}
