using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.ThreeFSClusters.AdminCli;
using MoeOperator.Planning.ThreeFS;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// A cluster created over data it left behind (deleted with deletionPolicy Retain, created again): init-cluster finds
/// FoundationDB already holding this cluster id and the cluster adopts it (status.adoptedData) instead of failing;
/// the chain table FoundationDB holds is checked against the plan before the table steps, which are skipped when it
/// fits; the Secrets it released on deletion become its own again. FoundationDB holding another cluster id fails the
/// bootstrap with both ids and the fix.
/// </summary>
internal sealed partial class ThreeFSClusterReconciler
{
    private static readonly ThreeFSBootstrapStep[] _tableSteps = [ThreeFSBootstrapStep.CreateTargets, ThreeFSBootstrapStep.UploadChains, ThreeFSBootstrapStep.UploadChainTable];

    private static bool AdoptedData(ThreeFSClusterStatus status) => status.AdoptedData == true;

    // After init-cluster's Job: whether it found the cluster already in FoundationDB.
    private async Task RecordInitClusterAsync(ObjectReference key, JsonObject cluster, ThreeFSClusterSpec spec, ThreeFSClusterStatus status, CancellationToken cancellationToken)
    {
        var job = jobs.Get(new ObjectReference(key.Namespace, ThreeFSJobBuilder.JobName(key.Name, ThreeFSBootstrap.Name(ThreeFSBootstrapStep.InitCluster))))!;
        if ((await JobLogAsync(key.Namespace, job, tailLines: null, cancellationToken)).Contains(ThreeFSJobBuilder.AdoptedMarker, StringComparison.Ordinal))
        {
            status.AdoptedData = true;
            await events.RecordAsync(cluster, warning: false, "AdoptedRetainedData", "Bootstrap",
                $"FoundationDB already holds 3FS cluster {spec.ClusterId} (data kept from an earlier cluster): adopted it without init-cluster; the chain table it holds is checked before the table steps", cancellationToken);
        }
    }

    // The message of an init-cluster that failed because FoundationDB holds another cluster, or null.
    private static string? ClusterIdMismatch(ThreeFSClusterSpec spec, string log)
    {
        var line = log.Split('\n').FirstOrDefault(l => l.Contains("ClusterIdMismatch", StringComparison.Ordinal) || l.Contains("holds 3FS cluster", StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        var reason = log.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("Encounter error", StringComparison.Ordinal)).FirstOrDefault() ?? line.Trim();
        return $"FoundationDB already holds another 3FS cluster ({reason}), and spec.clusterId is {spec.ClusterId}: to adopt that data, create the ThreeFSCluster again with spec.clusterId set to the id FoundationDB holds; to start a new cluster, give it a FoundationDB of its own (spec.foundationDB)";
    }

    // Before the table steps of an adopted cluster: null to go on, or when to look again. Skips the steps (marks
    // them done) when FoundationDB already holds a table that fits.
    private async Task<ReconcileResult?> VerifyRetainedChainTableAsync(ObjectReference key, JsonObject cluster, ThreeFSClusterSpec spec, IReadOnlyList<ThreeFSMember> members, ThreeFSClusterStatus status, List<string> completed, long generation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var jobName = ThreeFSJobBuilder.JobName(key.Name, ThreeFSJobBuilder.VerifyChainTableStep);
        var job = jobs.Get(new ObjectReference(key.Namespace, jobName));
        status.Phase = ThreeFSClusterPhase.Bootstrapping;
        if (job is null)
        {
            var desired = ThreeFSJobBuilder.Job(cluster, spec, ThreeFSJobBuilder.VerifyChainTableStep, ThreeFSJobBuilder.VerifyChainTableScript(), mainConfigOf: null, chainTable: false, keep: true);
            await _writer.EnsureAsync($"/apis/batch/v1/namespaces/{key.Namespace}/jobs", desired, null, cancellationToken);
            ConditionList.Set(status.Conditions ??= [], "Bootstrapped", false, "Running", "checking the chain table FoundationDB holds against the plan", generation, now);
            return ReconcileResult.After(_poll);
        }

        if (JobCondition(job, "Failed"))
        {
            var tail = await JobLogAsync(key.Namespace, job, tailLines: 10, cancellationToken);
            status.Phase = ThreeFSClusterPhase.Failed;
            ConditionList.Set(status.Conditions ??= [], "Bootstrapped", false, "StepFailed", $"reading the retained chain table failed (Job {jobName}): {tail.Trim()}; fix the cause and delete the Job to run it again", generation, now);
            return ReconcileResult.After(TimeSpan.FromSeconds(30));
        }

        if (!JobCondition(job, "Complete"))
        {
            ConditionList.Set(status.Conditions ??= [], "Bootstrapped", false, "Running", "checking the chain table FoundationDB holds against the plan", generation, now);
            return ReconcileResult.After(_poll);
        }

        var sections = AdminCliOutput.Sections(await JobLogAsync(key.Namespace, job, tailLines: null, cancellationToken), ThreeFSJobBuilder.ProbeMarker);
        var data = configMaps.Get(new ObjectReference(key.Namespace, ThreeFSNames.ChainTable(key.Name)))!["data"]!;
        var planned = ChainTableFiles.Parse((string?)data["generated_chains.csv"] ?? "", (string?)data["generated_chain_table.csv"] ?? "");
        var storage = members.Where(m => m.Component == "storage").Select(m => m.NodeId).ToList();
        var check = RetainedChainTable.Verify(
            planned, AdminCliOutput.ParseChains(sections.GetValueOrDefault("list-chains", "")), AdminCliOutput.ParseTargets(sections.GetValueOrDefault("list-targets", "")),
            spec.Storage.ReplicationFactor, storage, spec.Storage.DiskPaths.Count);
        switch (check.Verdict)
        {
            case RetainedTableVerdict.Mismatch:
                status.Phase = ThreeFSClusterPhase.Failed;
                ConditionList.Set(status.Conditions ??= [], "Bootstrapped", false, "ChainTableMismatch",
                    $"the retained chain table does not fit this cluster: {check.Message}; create the cluster with the spec it had (storage replicas, diskPaths, replicationFactor), or give it a FoundationDB of its own", generation, now);
                return ReconcileResult.After(TimeSpan.FromSeconds(30));
            case RetainedTableVerdict.Empty:
                return null;
            default:
                completed.AddRange(_tableSteps.Select(ThreeFSBootstrap.Name).Where(s => !completed.Contains(s)));
                status.CompletedBootstrapSteps = [.. completed];
                await events.RecordAsync(cluster, warning: false, "ChainTableVerified", "Bootstrap",
                    $"kept the chain table FoundationDB holds ({check.Message}); create-targets, upload-chains and upload-chain-table were not run again", cancellationToken);
                return null;
        }
    }

    // A Secret this cluster made and released when an earlier cluster of the same name was deleted with Retain
    // (no owner, this cluster's labels) becomes this cluster's child again.
    private async Task AdoptReleasedSecretAsync(ObjectReference key, JsonObject cluster, JsonObject secret, CancellationToken cancellationToken)
    {
        if (secret["metadata"]?["ownerReferences"] is JsonArray { Count: > 0 }
            || (string?)secret["metadata"]?["labels"]?[ThreeFSNames.ClusterLabel] != key.Name
            || (string?)secret["metadata"]?["labels"]?[ChildObjects.ManagedBy] != ChildObjects.Operator)
        {
            return;
        }

        var owners = ChildObjects.Metadata(cluster, ThreeFSCluster.KindName, ThreeFSNames.ClusterLabel, (string)secret["metadata"]!["name"]!)["ownerReferences"]!;
        await api.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{key.Namespace}/secrets/{secret["metadata"]!["name"]}",
            new JsonObject { ["metadata"] = new JsonObject { ["ownerReferences"] = owners.DeepClone() } }, "application/merge-patch+json", cancellationToken);
    }
}
