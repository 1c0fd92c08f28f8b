using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Planning.ThreeFS;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// Adding storage nodes: once the new storage daemons are ready, the chain table is grown onto them
/// (<see cref="ChainMigrationPlanner"/>) by upstream's procedure: new targets are created and added to their chains;
/// only when every chain fully serves again are the replaced targets taken offline, removed from their chains and
/// deleted; then the new chains are created and the grown table is uploaded. No chain ever runs below its
/// replication factor.
/// </summary>
internal sealed partial class ThreeFSClusterReconciler
{
    private static readonly string[] _migrationPhases = ["add", "remove", "chains"];

    // Null when the chain table covers every storage node; otherwise when to look again.
    private async Task<ReconcileResult?> ScaleOutAsync(ThreeFSClusterPass pass, CancellationToken cancellationToken)
    {
        var (key, cluster, spec, status, generation, now, members) = (pass.Key, pass.Cluster, pass.Spec, pass.Status, pass.Generation, pass.Now, pass.Members);
        var tableMap = configMaps.Get(new ObjectReference(key.Namespace, ThreeFSNames.ChainTable(key.Name)));
        if (tableMap?["data"] is not JsonObject tableData)
        {
            return null;
        }

        var current = ChainTableFiles.Parse((string?)tableData["generated_chains.csv"] ?? "", (string?)tableData["generated_chain_table.csv"] ?? "");
        var storage = members.Where(m => m.Component == "storage").Select(m => m.NodeId).Order().ToList();
        var covered = current.Chains.SelectMany(c => c.Targets).Select(t => t.Node).ToHashSet();
        if (storage.All(covered.Contains))
        {
            ConditionList.Set(status.Conditions ??= [], "StorageScaling", false, "Balanced", $"the chain table covers all {storage.Count} storage nodes", generation, now);
            return null;
        }

        status.Phase = ThreeFSClusterPhase.Upgrading;
        var storagePods = members.Where(m => m.Component == "storage").Select(m => pods.Get(new ObjectReference(key.Namespace, ThreeFSNames.ServerPod(key.Name, ThreeFSComponent.Storage, m.NodeId)))).ToList();
        if (!storagePods.All(p => p is not null && IsReady(p)))
        {
            ConditionList.Set(status.Conditions ??= [], "StorageScaling", true, "WaitingForDaemons", $"growing the chain table onto {storage.Count} storage nodes once every storage daemon is ready", generation, now);
            return ReconcileResult.After(_poll);
        }

        var plan = configMaps.Get(new ObjectReference(key.Namespace, ThreeFSNames.ChainMigration(key.Name)));
        if (plan is null)
        {
            return await PlanMigrationAsync(key, cluster, spec, current, storage, status, generation, now, cancellationToken);
        }

        if (await RunMigrationAsync(key, cluster, spec, storage.Count, status, generation, now, cancellationToken) is { } migrating)
        {
            return migrating;
        }

        // Every step is done: the grown table is the cluster's table from now on.
        var data = plan["data"]!;
        var grown = ThreeFSJobBuilder.ChainTableConfigMap(cluster, ChainTableFiles.Parse((string)data["generated_chains.csv"]!, (string)data["generated_chain_table.csv"]!));
        await _writer.EnsureAsync($"/api/v1/namespaces/{key.Namespace}/configmaps", grown, tableMap, cancellationToken);
        await api.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{key.Namespace}/configmaps/{ThreeFSNames.ChainMigration(key.Name)}", cancellationToken: cancellationToken);
        await events.RecordAsync(cluster, warning: false, "ScaledOut", "ScaleOut", $"the chain table covers all {storage.Count} storage nodes", cancellationToken);
        return ReconcileResult.After(_poll);
    }

    // The migration that grows the chain table onto the new storage nodes, planned once and kept in a ConfigMap so
    // a restarted operator carries on with the same plan.
    private async Task<ReconcileResult> PlanMigrationAsync(ObjectReference key, JsonObject cluster, ThreeFSClusterSpec spec, ChainTable current, List<int> storage, ThreeFSClusterStatus status, long generation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ChainMigration migration;
        try
        {
            migration = ChainMigrationPlanner.Plan(current, ThreeFSClusterModule.ChainTable(spec, storage));
        }
        catch (ChainTablePlanException e)
        {
            ConditionList.Set(status.Conditions ??= [], "StorageScaling", false, "InvalidSpec", $"spec.storage: {e.Message}", generation, now);
            return ReconcileResult.After(TimeSpan.FromSeconds(30));
        }

        await _writer.EnsureAsync($"/api/v1/namespaces/{key.Namespace}/configmaps", ChainMigrationFiles.ConfigMap(cluster, migration), null, cancellationToken);
        await events.RecordAsync(cluster, warning: false, "ScaleOutPlanned", "ScaleOut",
            $"{migration.Moves.Count} replicas move to the new storage nodes, {migration.NewChains.Count} chains are added; the table ends with {migration.Final.Chains.Count} chains, node pairs sharing {migration.Final.Balance.MinChainsPerNodePair}..{migration.Final.Balance.MaxChainsPerNodePair}", cancellationToken);
        return ReconcileResult.After(_poll);
    }

    // The migration's Jobs in upstream's order (add, remove once the added targets serve, chains); null once all are done.
    private async Task<ReconcileResult?> RunMigrationAsync(ObjectReference key, JsonObject cluster, ThreeFSClusterSpec spec, int nodes, ThreeFSClusterStatus status, long generation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var phase in _migrationPhases)
        {
            var jobName = ThreeFSJobBuilder.JobName(key.Name, $"scale-{nodes.ToString(CultureInfo.InvariantCulture)}-{phase}");
            var job = jobs.Get(new ObjectReference(key.Namespace, jobName));
            if (job is null)
            {
                if (phase == "remove" && !ServingSince(key, completedAt: jobs.Get(new ObjectReference(key.Namespace, ThreeFSJobBuilder.JobName(key.Name, $"scale-{nodes.ToString(CultureInfo.InvariantCulture)}-add")))))
                {
                    // Upstream's rule: the replaced replicas go only once the added ones serve.
                    ConditionList.Set(status.Conditions ??= [], "StorageScaling", true, "Syncing", "waiting for the added targets to serve before the replaced ones go", generation, now);
                    return ReconcileResult.After(_poll);
                }

                var step = jobName[(key.Name.Length + 1)..];
                var desired = ThreeFSJobBuilder.Job(cluster, spec, step, ChainMigrationFiles.Script(phase, spec.ClusterId), mainConfigOf: null, (ThreeFSNames.ChainMigration(key.Name), ChainMigrationFiles.Directory), keep: false);
                await _writer.EnsureAsync($"/apis/batch/v1/namespaces/{key.Namespace}/jobs", desired, null, cancellationToken);
                ConditionList.Set(status.Conditions ??= [], "StorageScaling", true, "Migrating", $"running {step}", generation, now);
                await events.RecordAsync(cluster, warning: false, "ScaleOutStep", "ScaleOut", $"running {step}", cancellationToken);
                return ReconcileResult.After(_poll);
            }

            if (JobCondition(job, "Failed"))
            {
                var tail = await JobLogAsync(key.Namespace, job, tailLines: 10, cancellationToken);
                ConditionList.Set(status.Conditions ??= [], "StorageScaling", false, "StepFailed", $"{jobName} failed: {tail.Trim()}; fix the cause and delete the Job to run the step again", generation, now);
                return ReconcileResult.After(TimeSpan.FromSeconds(30));
            }

            if (!JobCondition(job, "Complete"))
            {
                ConditionList.Set(status.Conditions ??= [], "StorageScaling", true, "Migrating", $"running {jobName}", generation, now);
                return ReconcileResult.After(_poll);
            }
        }

        return null;
    }

    // Whether a probe started after the Job completed shows every chain fully serving.
    private bool ServingSince(ObjectReference key, JsonObject? completedAt)
    {
        var completion = DateTimeOffset.TryParse((string?)completedAt?["status"]?["completionTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : DateTimeOffset.MaxValue;
        return _health.TryGetValue(key, out var health) && health.Time > completion && health.Health.AllChainsServing && health.Health.Targets.Syncing == 0;
    }
}
