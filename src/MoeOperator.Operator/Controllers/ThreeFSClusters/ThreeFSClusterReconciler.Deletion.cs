using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// Deleting a cluster carries out spec.deletionPolicy before the finalizer goes. Retain (the default) deletes no
/// data: the daemons go with the cluster, the data directories on the storage nodes stay, the admin token and
/// cluster file Secrets are released from the cluster so they outlive it, and an event lists what was kept.
/// Delete removes the data only after the cluster is gone: every daemon is stopped first, then a Job on each
/// storage node removes its data directories, then the managed FoundationDB's volumes are deleted.
/// </summary>
internal sealed partial class ThreeFSClusterReconciler
{
    private async Task<ReconcileResult> DeleteAsync(ObjectReference key, JsonObject cluster, CancellationToken cancellationToken)
    {
        if (!Finalizers.Has(cluster, Finalizer))
        {
            return ReconcileResult.Done;
        }

        var spec = cluster["spec"].Deserialize<ThreeFSClusterSpec>(ApiJson.Options)!;
        var members = (TypedStatus.Of<ThreeFSClusterStatus>(cluster).Members ?? []).Where(m => m.Component == "storage").Select(m => m.Node).OfType<string>().Order(StringComparer.Ordinal).ToList();
        var directories = spec.Storage.DiskPaths.Select(ThreeFSPaths.TargetDirectory).ToList();
        if (spec.DeletionPolicy == DeletionPolicy.Retain)
        {
            var (clusterFile, _) = ThreeFSVolumes.ClusterFileSecret(key.Name, spec);
            foreach (var secret in new[] { ThreeFSNames.TokenSecret(key.Name), clusterFile })
            {
                if (secrets.Get(new ObjectReference(key.Namespace, secret)) is { } found && found["metadata"]?["ownerReferences"] is not null)
                {
                    await api.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{key.Namespace}/secrets/{secret}", new JsonObject { ["metadata"] = new JsonObject { ["ownerReferences"] = null } }, "application/merge-patch+json", cancellationToken);
                }
            }

            await events.RecordAsync(cluster, warning: false, "DataRetained", "Delete",
                $"deletionPolicy Retain: kept the data directories {string.Join(", ", directories)} on storage nodes {(members.Count == 0 ? "(none placed)" : string.Join(", ", members))}, and the Secrets {ThreeFSNames.TokenSecret(key.Name)} and {clusterFile}; delete them yourself when the data is no longer needed", cancellationToken);
        }
        else if (await WipeAsync(key, cluster, spec, directories, cancellationToken) is { } waiting)
        {
            return waiting;
        }

        if (Finalizers.RemovePatch(cluster, Finalizer) is { } remove)
        {
            await PatchAsync(key, remove, "application/json-patch+json", cancellationToken);
        }

        _health.TryRemove(key, out _);
        ledger.Release(Owner(key));
        return ReconcileResult.Done;
    }

    // Null once the data is gone; otherwise when to look again.
    private async Task<ReconcileResult?> WipeAsync(ObjectReference key, JsonObject cluster, ThreeFSClusterSpec spec, List<string> directories, CancellationToken cancellationToken)
    {
        var daemons = ClusterPods(key).Where(p => ComponentOf(p) is "mgmtd" or "meta" or "storage" or "fuse").ToList();
        if (daemons.Count > 0)
        {
            await api.SendAsync(HttpMethod.Delete, $"/apis/apps/v1/namespaces/{key.Namespace}/daemonsets/{ThreeFSNames.FuseDaemonSet(key.Name)}", cancellationToken: cancellationToken);
            foreach (var pod in daemons.Where(p => p["metadata"]?["deletionTimestamp"] is null))
            {
                await api.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{key.Namespace}/pods/{pod["metadata"]!["name"]}", cancellationToken: cancellationToken);
            }

            return ReconcileResult.After(_poll);
        }

        var members = (TypedStatus.Of<ThreeFSClusterStatus>(cluster).Members ?? []).Where(m => m.Component == "storage").Select(m => (m.NodeId, m.Node!)).ToList();
        var done = true;
        foreach (var (nodeId, node) in members)
        {
            var name = ThreeFSJobBuilder.JobName(key.Name, $"wipe-{nodeId.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            var job = jobs.Get(new ObjectReference(key.Namespace, name));
            if (job is null)
            {
                await _writer.EnsureAsync($"/apis/batch/v1/namespaces/{key.Namespace}/jobs", ThreeFSJobBuilder.WipeJob(cluster, spec, nodeId, node, directories), null, cancellationToken);
                done = false;
            }
            else if (JobCondition(job, "Failed"))
            {
                await events.RecordAsync(cluster, warning: true, "DataDeletionFailed", "Delete", $"{name} on {node} failed: {(await JobLogAsync(key.Namespace, job, 5, cancellationToken)).Trim()}; delete the Job to try again", cancellationToken);
                return ReconcileResult.After(TimeSpan.FromSeconds(30));
            }
            else
            {
                done &= JobCondition(job, "Complete");
            }
        }

        if (!done)
        {
            return ReconcileResult.After(_poll);
        }

        if (spec.FoundationDB.Managed is { } managed)
        {
            for (var i = 0; i < managed.Replicas; i++)
            {
                await api.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{key.Namespace}/persistentvolumeclaims/data-{FoundationDBBuilder.Name(key.Name)}-{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}", cancellationToken: cancellationToken);
            }
        }

        await events.RecordAsync(cluster, warning: false, "DataDeleted", "Delete",
            $"deletionPolicy Delete: removed the data directories {string.Join(", ", directories)} on {string.Join(", ", members.Select(m => m.Item2))}{(spec.FoundationDB.Managed is null ? "" : " and the FoundationDB volumes")}", cancellationToken);
        return null;
    }
}
