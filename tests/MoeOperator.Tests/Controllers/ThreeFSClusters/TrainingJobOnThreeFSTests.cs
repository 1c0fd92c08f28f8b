using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.Controllers.TrainingJobs;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

/// <summary>
/// A TrainingJob whose data and checkpoints live on a ThreeFSCluster: it waits, without pods, until the cluster exists
/// and is Ready, then its ranks run on nodes with the cluster's FUSE client and see its directories (the worker image
/// is simulated here: the placement and the volumes are what is checked).
/// </summary>
[Collection(ThreeFSDevClusterCollection.Name)]
public sealed class TrainingJobOnThreeFSTests
{
    private const string Ns = "trainers";

    [Fact]
    public async Task AJobOnThreeFS_WaitsForTheClusterToBeReady_ThenRunsWithItsDirectories()
    {
        await using var tfs = await ThreeFSDevCluster.StartAsync(Ns, syncDuration: TimeSpan.FromSeconds(2), alsoRun: [TrainingJobController.Registration()]);
        var job = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", "trainingjob-minimal.yaml"))).Single();
        job["metadata"]!["name"] = "learner";
        job["spec"]!["ranksPerNode"] = 2;
        job["spec"]!["data"] = new JsonObject { ["threeFS"] = new JsonObject { ["clusterRef"] = "fs", ["path"] = "/datasets/tokens" } };
        job["spec"]!["checkpoint"] = new JsonObject { ["threeFS"] = new JsonObject { ["clusterRef"] = "fs", ["path"] = "/checkpoints/learner" }, ["intervalSteps"] = 10 };
        await tfs.CreateAsync(Kinds.TrainingJob.Plural, job);

        var missing = await tfs.WaitForStatusAsync(Kinds.TrainingJob.Plural, "learner", s => Reason(s, "Scheduled") == "WaitingForStorage", "the job to wait for its 3FS cluster", TimeSpan.FromSeconds(60));
        ((string?)missing["phase"]).ShouldBe("Pending");
        Message(missing, "Scheduled").ShouldBe("waiting for ThreeFSCluster fs (spec.data.threeFS.clusterRef): it does not exist in this namespace");
        (await tfs.ListAsync("pods")).ShouldBeEmpty("no rank starts before the file system it reads");

        var cluster = YamlDocuments.Parse(File.ReadAllText(RepoPaths.Of("crds", "samples", "threefscluster-minimal.yaml"))).Single();
        cluster["metadata"]!["name"] = "fs";
        await tfs.CreateAsync(cluster);
        await tfs.WaitForStatusAsync(Kinds.TrainingJob.Plural, "learner", s => Message(s, "Scheduled")?.Contains("to be Ready; it is", StringComparison.Ordinal) == true, "the job to wait for the cluster to be Ready", TimeSpan.FromSeconds(60));
        (await tfs.ListAsync("pods", $"{TrainingJobNames.JobLabel}=learner")).ShouldBeEmpty();

        await tfs.WaitForStatusAsync(Kinds.TrainingJob.Plural, "learner", s => (string?)s?["phase"] == "Running", "the job to run once the cluster is Ready", TimeSpan.FromMinutes(4));
        ((string?)(await tfs.GetAsync("fs"))!["status"]!["phase"]).ShouldBeOneOf("Ready", "Degraded");
        var fuseNodes = (await tfs.ListAsync("pods")).Where(p => ((string?)p["metadata"]!["name"])!.StartsWith(ThreeFSNames.FuseDaemonSet("fs"), StringComparison.Ordinal))
            .Select(p => (string?)p["spec"]!["nodeName"]).ToHashSet();
        var pods = (await tfs.ListAsync("pods", $"{TrainingJobNames.JobLabel}=learner")).ToList();
        pods.Count.ShouldBe(4);
        foreach (var pod in pods)
        {
            fuseNodes.ShouldContain((string?)pod["spec"]!["nodeName"], "a rank runs where a FUSE client mounts the file system");
            var volumes = pod["spec"]!["volumes"]!.AsArray();
            ((string?)volumes.Single(v => (string?)v!["name"] == "data")!["hostPath"]!["path"]).ShouldBe("/3fs/stage/datasets/tokens", "the cluster's clients.mountPath plus spec.data.threeFS.path");
            ((string?)volumes.Single(v => (string?)v!["name"] == "checkpoints")!["hostPath"]!["path"]).ShouldBe("/3fs/stage/checkpoints/learner");
            var mounts = pod["spec"]!["containers"]![0]!["volumeMounts"]!.AsArray();
            ((bool?)mounts.Single(m => (string?)m!["name"] == "data")!["readOnly"]).ShouldBe(true);
            ((string?)mounts.Single(m => (string?)m!["name"] == "checkpoints")!["mountPath"]).ShouldBe(TrainingJobNames.CheckpointMount);
        }
    }

    private static string? Reason(JsonNode? status, string type) =>
        (string?)status?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type)?["reason"];

    private static string? Message(JsonNode? status, string type) =>
        (string?)status?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type)?["message"];
}
