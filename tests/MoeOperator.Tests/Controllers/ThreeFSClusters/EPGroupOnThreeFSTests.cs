using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.Testing;
using MoeOperator.Tests.Controllers.EPGroups;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

/// <summary>
/// An EPGroup naming a ThreeFSCluster in spec.threeFS: it waits, without pods or a place in the gang queue, until the
/// cluster exists and is Ready, then runs on nodes with the cluster's FUSE client and mounts its FUSE path.
/// </summary>
[Collection(ThreeFSDevClusterCollection.Name)]
public sealed class EPGroupOnThreeFSTests
{
    private const string Ns = "readers";

    [Fact]
    public async Task AGroupMountingThreeFS_WaitsForTheClusterToBeReady_ThenMountsItsFusePath()
    {
        await using var tfs = await ThreeFSDevCluster.StartAsync(Ns, syncDuration: TimeSpan.FromSeconds(2), alsoRun: [EPGroupController.Registration()]);
        var group = EPGroupCluster.Sample("epgroup-minimal.yaml", "reader");
        group["spec"]!["threeFS"] = new JsonObject { ["clusterRef"] = "fs", ["path"] = "/datasets/tokens", ["mountPath"] = "/data", ["readOnly"] = true };
        await tfs.CreateAsync(Kinds.EPGroup.Plural, group);

        var waiting = await tfs.WaitForStatusAsync(Kinds.EPGroup.Plural, "reader", s => Reason(s, "Ready") == "WaitingForThreeFS", "the group to wait for its 3FS cluster", TimeSpan.FromSeconds(60));
        ((string?)waiting["phase"]).ShouldBe("Pending");
        Message(waiting, "Ready").ShouldBe("waiting for ThreeFSCluster fs (spec.threeFS.clusterRef): it does not exist in this namespace");
        (await tfs.ListAsync("pods")).ShouldBeEmpty("no pod starts before the file system it mounts");

        var cluster = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", "threefscluster-minimal.yaml"))).Single();
        cluster["metadata"]!["name"] = "fs";
        await tfs.CreateAsync(cluster);
        await tfs.WaitForStatusAsync(Kinds.EPGroup.Plural, "reader", s => Message(s, "Ready")?.Contains("to be Ready; it is", StringComparison.Ordinal) == true, "the group to wait for the cluster to be Ready", TimeSpan.FromSeconds(60));

        var running = await tfs.WaitForStatusAsync(Kinds.EPGroup.Plural, "reader", s => (string?)s?["phase"] == "Running", "the group to run once the cluster is Ready", TimeSpan.FromMinutes(4));
        ((string?)(await tfs.GetAsync("fs"))!["status"]!["phase"]).ShouldBeOneOf("Ready", "Degraded");
        var pods = (await tfs.ListAsync("pods", $"{EPGroupNames.GroupLabel}=reader")).ToList();
        pods.Count.ShouldBe(2);
        var fuseNodes = (await tfs.ListAsync("pods")).Where(p => ((string?)p["metadata"]!["name"])!.StartsWith(ThreeFSNames.FuseDaemonSet("fs"), StringComparison.Ordinal))
            .Select(p => (string?)p["spec"]!["nodeName"]).ToHashSet();
        foreach (var pod in pods)
        {
            fuseNodes.ShouldContain((string?)pod["spec"]!["nodeName"], "a rank runs where a FUSE client mounts the file system");
            var volume = pod["spec"]!["volumes"]!.AsArray().Single(v => (string?)v!["name"] == ThreeFSAttachment.VolumeName)!;
            ((string?)volume["hostPath"]!["path"]).ShouldBe("/3fs/stage/datasets/tokens", "the cluster's clients.mountPath plus spec.threeFS.path");
            var mount = pod["spec"]!["containers"]![0]!["volumeMounts"]!.AsArray().Single(m => (string?)m!["name"] == ThreeFSAttachment.VolumeName)!;
            ((string?)mount["mountPath"]).ShouldBe("/data");
            ((bool?)mount["readOnly"]).ShouldBe(true);
            ((string?)mount["mountPropagation"]).ShouldBe("HostToContainer");
        }

        running["conditions"]!.AsArray().ShouldContain(c => (string?)c!["type"] == "Scheduled" && (string?)c!["status"] == "True");
    }

    private static string? Reason(JsonNode? status, string type) =>
        (string?)status?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type)?["reason"];

    private static string? Message(JsonNode? status, string type) =>
        (string?)status?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type)?["message"];
}
