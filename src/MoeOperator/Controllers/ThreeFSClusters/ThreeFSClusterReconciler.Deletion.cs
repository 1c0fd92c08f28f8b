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
/// </summary>
internal sealed partial class ThreeFSClusterReconciler
{
    private async Task<ReconcileResult> DeleteAsync(ObjectReference key, JsonObject cluster, CancellationToken cancellationToken)
    {
        if (!Finalizers.Has(cluster, Finalizer))
        {
            return ReconcileResult.Done;
        }

        var spec = System.Text.Json.JsonSerializer.Deserialize<ThreeFSClusterSpec>(cluster["spec"]!.ToJsonString(), ApiJson.Options)!;
        var members = cluster["status"]?["members"]?.AsArray().Select(m => (string?)m?["node"] is { } node && (string?)m?["component"] == "storage" ? node : null).OfType<string>().Order(StringComparer.Ordinal).ToList() ?? [];
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
        else
        {
            await events.RecordAsync(cluster, warning: true, "DataDeletionUnsupported", "Delete",
                $"deletionPolicy Delete is not carried out by this version: the data directories {string.Join(", ", directories)} on {string.Join(", ", members)} were kept", cancellationToken);
        }

        if (Finalizers.RemovePatch(cluster, Finalizer) is { } remove)
        {
            await PatchAsync(key, remove, "application/json-patch+json", cancellationToken);
        }

        _health.TryRemove(key, out _);
        return ReconcileResult.Done;
    }
}
