using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.DevCluster.Semantics;
using MoeOperator.Testing;
using MoeOperator.Tests.Chart;
using MoeOperator.Tests.Controllers.ThreeFSClusters;

namespace MoeOperator.Tests.Security;

/// <summary>
/// Every pod the chart and the operator make, checked against the Pod Security Standards level the chart README
/// gives it: the operator runs under restricted, plain workers under baseline, and whatever needs privileged (RDMA,
/// 3FS mounts, the 3FS daemons) fails baseline only on checks the README names as that pod's exceptions.
/// </summary>
public sealed class PodSecurityLevelTests
{
    private static readonly string _readme = File.ReadAllText(Path.Combine(RenderedChart.ChartDirectory, "README.md"));

    // The chart README's Pod Security Standards section: one table row per kind of pod.
    private static string Section => _readme[_readme.IndexOf("## Pod Security Standards", StringComparison.Ordinal)..];

    private static string Row(string pod) =>
        Section.Split('\n').SingleOrDefault(line => line.StartsWith($"| {pod} |", StringComparison.Ordinal)) ?? throw new ShouldAssertException($"the chart README has no Pod Security row for {pod}");

    private static (JsonObject? Metadata, JsonObject Spec) PodOf(JsonObject obj) => (string?)obj["kind"] == "Pod"
        ? (obj["metadata"] as JsonObject, obj["spec"]!.AsObject())
        : (obj["spec"]!["template"]!["metadata"] as JsonObject, obj["spec"]!["template"]!["spec"]!.AsObject());

    private static List<string> Violations(JsonObject obj, PodSecurityLevel level)
    {
        var (metadata, spec) = PodOf(obj);
        return PodSecurityStandards.Violations(metadata, spec, level);
    }

    // "host namespaces (hostNetwork=true)" -> "host namespaces"
    private static List<string> Titles(IEnumerable<string> violations) => [.. violations.Select(v => v[..v.IndexOf(" (", StringComparison.Ordinal)])];

    private static JsonObject Group(Action<JsonObject>? edit = null)
    {
        var group = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", "epgroup-minimal.yaml"))).Single();
        group["metadata"]!["namespace"] = "team";
        group["metadata"]!["uid"] = "uid-1";
        edit?.Invoke(group);
        return group;
    }

    private static JsonObject Worker(JsonObject group, ThreeFSAttachment? threeFS = null) =>
        EPGroupBuilder.Pod(group, group["spec"].Deserialize<EPGroupSpec>(ApiJson.Options)!, 0, "node-a", threeFS);

    [Fact]
    public void TheOperatorsPod_AsTheChartRendersIt_MeetsRestricted()
    {
        var deployment = RenderedChart.Single(RenderedChart.Objects(), "Deployment");

        Violations(deployment, PodSecurityLevel.Restricted).ShouldBeEmpty();
        Row("the operator (this chart's Deployment)").ShouldContain("`restricted`");
    }

    [Fact]
    public void APlainWorker_MeetsBaseline_AndTheReadmeSaysWhyNotRestricted()
    {
        var worker = Worker(Group());

        Violations(worker, PodSecurityLevel.Baseline).ShouldBeEmpty();
        Titles(Violations(worker, PodSecurityLevel.Restricted)).ShouldContain("runAsNonRoot != true");
        Row("EPGroup and TrainingJob workers, in-node transport, no 3FS mount").ShouldContain("`baseline`");
    }

    [Fact]
    public void RdmaWorkers_AndWorkersOnThreeFS_NeedPrivileged_ForExactlyTheExceptionsTheReadmeNames()
    {
        var rdma = Worker(Group(g => g["spec"]!["transport"] = new JsonObject { ["backend"] = "NVSHMEM" }));
        var mounted = Worker(Group(), new ThreeFSAttachment("/mnt/3fs/demo", new Dictionary<string, string>(), "/data", ReadOnly: true));

        Violations(rdma, PodSecurityLevel.Baseline).ShouldBe(["non-default capabilities (container \"worker\" must not include \"IPC_LOCK\" in securityContext.capabilities.add)"]);
        Violations(mounted, PodSecurityLevel.Baseline).ShouldBe([$"hostPath volumes (volume \"{ThreeFSAttachment.VolumeName}\")"]);
        Row("workers whose transport crosses nodes (RDMA)").ShouldContain("`non-default capabilities`");
        Row("workers and TrainingJob pods that mount a 3FS cluster or a `hostPath` data location").ShouldContain("`hostPath volumes`");
    }

    public static TheoryData<string> Samples => new(ThreeFSSamples.Files);

    [Theory]
    [MemberData(nameof(Samples))]
    public void ThreeFSPods_FailBaseline_OnlyOnTheChecksTheReadmeNamesForThem(string sample)
    {
        var cluster = ThreeFSSamples.Resource(sample);
        var spec = ThreeFSSamples.Spec(cluster);
        var daemons = new[] { ThreeFSComponent.Mgmtd, ThreeFSComponent.Meta, ThreeFSComponent.Storage }.Select(c => ThreeFSPodBuilder.ServerPod(cluster, spec, c, 1, "node-a")).ToList();
        var job = ThreeFSJobBuilder.Job(cluster, spec, "init-cluster", "true", ThreeFSComponent.Mgmtd, chainTable: false, keep: false);
        var fuse = ThreeFSPodBuilder.FuseDaemonSet(cluster, spec);

        var daemonRow = Row("3FS mgmtd, meta and storage daemons, admin Jobs");
        foreach (var pod in daemons.Append(job))
        {
            var titles = Titles(Violations(pod, PodSecurityLevel.Baseline));
            titles.ShouldNotBeEmpty("a 3FS daemon needs privileged");
            titles.ShouldAllBe(title => daemonRow.Contains($"`{title}`"), $"{pod["metadata"]!["name"]} fails baseline on {string.Join(", ", titles)}");
        }

        var fuseTitles = Titles(Violations(fuse, PodSecurityLevel.Baseline));
        fuseTitles.ShouldContain("privileged");
        fuseTitles.ShouldAllBe(title => Row("3FS FUSE clients (DaemonSet)").Contains($"`{title}`"));
    }
}
