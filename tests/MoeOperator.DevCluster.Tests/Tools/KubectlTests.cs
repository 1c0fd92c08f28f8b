using System.Diagnostics;
using MoeOperator.Api.Schema;
using MoeOperator.Testing;

namespace MoeOperator.DevCluster.Tests.Tools;

/// <summary>Real kubectl v1.35 against the dev API server, one scenario per test on a shared server.</summary>
public sealed class KubectlTests(KubectlHarness k) : IClassFixture<KubectlHarness>
{
    private void ApplyCrdsAndSamples(string ns)
    {
        k.KubectlOk("apply", "-f", RepoPaths.Of("crds"));
        k.Kubectl("create", "namespace", ns);
        k.KubectlOk("apply", "-n", ns, "-f", RepoPaths.Of("crds", "samples"));
    }

    [Fact]
    public void Apply_CrdsAndSamples_CreatesEveryObject()
    {
        k.KubectlOk("apply", "-f", RepoPaths.Of("crds")).ShouldContain("customresourcedefinition.apiextensions.k8s.io/epgroups.moe.dev");
        k.Kubectl("create", "namespace", "apply");

        var output = k.KubectlOk("apply", "-n", "apply", "-f", RepoPaths.Of("crds", "samples"));

        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(Directory.GetFiles(RepoPaths.Of("crds", "samples"), "*.yaml").Length, output);
        output.ShouldContain("epgroup.moe.dev/ep-minimal created");
        output.ShouldContain("threefscluster.moe.dev/tfs-minimal created");
        output.ShouldContain("trainingjob.moe.dev/tj-minimal created");
    }

    [Fact]
    public void Get_ShowsThePrinterColumns()
    {
        ApplyCrdsAndSamples("get");

        var table = k.KubectlOk("get", "epg", "-n", "get");
        var all = k.KubectlOk("get", "moe", "-n", "get");

        table.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).ShouldBe(["NAME", "PHASE", "RANKS", "READY", "IMBALANCE", "RESTARTS", "AGE"]);
        table.ShouldContain("ep-minimal");
        all.ShouldContain("threefscluster.moe.dev/tfs-minimal");
        all.ShouldContain("trainingjob.moe.dev/tj-minimal");
    }

    [Fact]
    public void GetYaml_ShowsTheDefaultedObject()
    {
        ApplyCrdsAndSamples("yaml");

        var obj = YamlDocuments.Parse(k.KubectlOk("get", "epg", "ep-minimal", "-n", "yaml", "-o", "yaml")).Single();

        ((string?)obj["spec"]!["transport"]!["backend"]).ShouldBe("TCP");
        ((int)obj["spec"]!["transport"]!["communicationSMs"]!).ShouldBe(20);
        ((string?)obj["metadata"]!["uid"]).ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public void Label_ThenSelect()
    {
        ApplyCrdsAndSamples("label");

        k.KubectlOk("label", "epg", "ep-minimal", "-n", "label", "owner=me");

        k.KubectlOk("get", "epg", "-n", "label", "-l", "owner=me", "-o", "name").Trim().ShouldBe("epgroup.moe.dev/ep-minimal");
    }

    [Fact]
    public void Patch_EachType()
    {
        ApplyCrdsAndSamples("patch");
        File.WriteAllText(k.Scratch("cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: patch\ndata:\n  a: \"1\"\n");
        k.KubectlOk("apply", "-f", k.Scratch("cm.yaml"));

        k.KubectlOk("patch", "epg", "ep-minimal", "-n", "patch", "--type=merge", "-p", """{"spec":{"ranks":8}}""");
        k.KubectlOk("patch", "epg", "ep-minimal", "-n", "patch", "--type=json", "-p", """[{"op":"replace","path":"/spec/transport/communicationSMs","value":24}]""");
        k.KubectlOk("patch", "configmap", "settings", "-n", "patch", "--type=strategic", "-p", """{"data":{"b":"2"}}""");

        k.KubectlOk("get", "epg", "ep-minimal", "-n", "patch", "-o", "jsonpath={.spec.ranks} {.spec.transport.communicationSMs} {.metadata.generation}").ShouldBe("8 24 3");
        k.KubectlOk("get", "configmap", "settings", "-n", "patch", "-o", "jsonpath={.data.a}{.data.b}").ShouldBe("12");
    }

    [Fact]
    public void Patch_BreakingARule_IsRefusedWithTheFieldAndTheFix()
    {
        ApplyCrdsAndSamples("refuse");

        var result = k.Kubectl("patch", "epg", "ep-minimal", "-n", "refuse", "--type=merge", "-p", """{"spec":{"ranks":3}}""");

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("spec.ranks: Invalid value: \"object\": ranks must be a multiple of ranksPerNode");
    }

    [Fact]
    public void Delete_WithAndWithoutFinalizers()
    {
        ApplyCrdsAndSamples("delete");

        k.KubectlOk("delete", "tj", "tj-minimal", "-n", "delete").ShouldContain("deleted");
        k.Kubectl("get", "tj", "tj-minimal", "-n", "delete").Stderr.ShouldContain("NotFound");

        k.KubectlOk("patch", "epg", "ep-minimal", "-n", "delete", "--type=merge", "-p", """{"metadata":{"finalizers":["moe.dev/test"]}}""");
        k.KubectlOk("delete", "epg", "ep-minimal", "-n", "delete", "--wait=false");
        k.KubectlOk("get", "epg", "ep-minimal", "-n", "delete", "-o", "jsonpath={.metadata.deletionTimestamp}").ShouldNotBeEmpty();
        k.KubectlOk("patch", "epg", "ep-minimal", "-n", "delete", "--type=merge", "-p", """{"metadata":{"finalizers":null}}""");
        k.KubectlOk("wait", "--for=delete", "epg/ep-minimal", "-n", "delete", "--timeout=20s");
    }

    [Fact]
    public void Wait_ForACondition_ReturnsWhenTheStatusSaysSo()
    {
        ApplyCrdsAndSamples("wait");
        var waiting = k.Kubectl("wait", "--for=condition=Ready", "epg/ep16-v3", "-n", "wait", "--timeout=1s");
        waiting.ExitCode.ShouldNotBe(0, "not Ready yet");

        k.KubectlOk("patch", "epg", "ep16-v3", "-n", "wait", "--subresource=status", "--type=merge", "-p",
            """{"status":{"conditions":[{"type":"Ready","status":"True","reason":"AllRanksReady","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}""");

        k.KubectlOk("wait", "--for=condition=Ready", "epg/ep16-v3", "-n", "wait", "--timeout=20s").ShouldContain("condition met");
    }

    [Fact]
    public void ApiResources_ListsTheCustomKinds()
    {
        k.KubectlOk("apply", "-f", RepoPaths.Of("crds"));

        var rows = k.KubectlOk("api-resources", "--api-group=moe.dev").Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(r => string.Join(' ', r.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();

        rows.ShouldBe(["epgroups epg moe.dev/v1alpha1 true EPGroup", "threefsclusters tfs moe.dev/v1alpha1 true ThreeFSCluster", "trainingjobs tj moe.dev/v1alpha1 true TrainingJob"]);
    }

    [Fact]
    public void Explain_ShowsTheFieldDocs()
    {
        k.KubectlOk("apply", "-f", RepoPaths.Of("crds"));

        var output = k.KubectlOk("explain", "epgroup.spec.transport");

        output.ShouldContain("KIND:       EPGroup");
        output.ShouldContain("communicationSMs");
        output.ShouldContain("GPU streaming multiprocessors reserved for communication; must be even.");
    }

    [Fact]
    public void Discovery_TakesKubectlTwoRequests_ThroughTheAggregatedDocuments()
    {
        var run = Testing.Tools.Run(Testing.Tools.Kubectl, ["--kubeconfig", k.KubeconfigPath, "--cache-dir", k.Scratch("aggregated-cache"), "api-resources", "-v=6"], timeout: TimeSpan.FromSeconds(60));

        run.ExitCode.ShouldBe(0, run.Output);
        run.Stdout.ShouldContain("horizontalpodautoscalers");
        run.Stdout.ShouldContain("endpointslices");
        var requests = run.Stderr.Split('\n').Where(l => l.Contains("\"Response\"", StringComparison.Ordinal) || l.Contains(" 200 OK", StringComparison.Ordinal)).ToList();
        requests.ShouldContain(l => l.Contains("/apis", StringComparison.Ordinal), run.Stderr);
        requests.ShouldNotContain(l => l.Contains("/apis/apps/v1", StringComparison.Ordinal), "kubectl fell back to one request per group version:\n" + run.Stderr);
    }

    [Fact]
    public void TheKubernetesService_PointsAtTheServer_AsOnARealCluster()
    {
        var port = new Uri(k.Dev.Server.Url).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var service = k.KubectlOk("get", "service", "kubernetes", "-n", "default");
        var slice = k.KubectlOk("get", "endpointslices", "-n", "default", "-l", "kubernetes.io/service-name=kubernetes", "-o", "jsonpath={.items[0].endpoints[0].addresses[0]}:{.items[0].ports[0].port}");
        var endpoints = k.KubectlOk("get", "endpoints", "kubernetes", "-n", "default", "-o", "jsonpath={.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}");
        var info = k.KubectlOk("cluster-info");

        service.Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..5].ShouldBe(["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP"]);
        slice.ShouldBe($"127.0.0.1:{port}");
        endpoints.ShouldBe($"127.0.0.1:{port}");
        info.ShouldContain($"is running at https://127.0.0.1:{port}");
    }

    [Fact]
    public async Task GetWatch_PrintsObjectsAsTheyAppear()
    {
        ApplyCrdsAndSamples("watch");
        var start = new ProcessStartInfo(Testing.Tools.Kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "--kubeconfig", k.KubeconfigPath, "--cache-dir", k.Scratch("kube-cache"), "get", "epg", "-n", "watch", "--watch", "-o", "name" },
        };
        using var watch = Process.Start(start)!;
        try
        {
            (await watch.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20))).ShouldBe("epgroup.moe.dev/ep-demo");
            (await watch.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20))).ShouldBe("epgroup.moe.dev/ep-minimal");
            (await watch.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20))).ShouldBe("epgroup.moe.dev/ep16-v3");
            File.WriteAllText(k.Scratch("late.yaml"), File.ReadAllText(RepoPaths.Of("crds", "samples", "epgroup-minimal.yaml")).Replace("name: ep-minimal", "name: late", StringComparison.Ordinal));
            k.KubectlOk("apply", "-n", "watch", "-f", k.Scratch("late.yaml"));

            (await watch.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20))).ShouldBe("epgroup.moe.dev/late");
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
            await watch.WaitForExitAsync();
        }
    }
}
