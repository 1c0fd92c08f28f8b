using System.Text.Json.Nodes;

namespace MoeOperator.Runtime.Client;

/// <summary>
/// Writes a custom resource's status the one way every reconciler should: nothing when it equals the status read
/// (a resync of a settled object makes no request), otherwise a merge patch of exactly what changed (members the
/// new status no longer has are deleted) to the status subresource, under the resourceVersion that was read, so a
/// reconcile that worked from a stale cache gets 409 (a quiet requeue) instead of overwriting newer state. This is
/// controller-runtime's <c>Status().Patch(ctx, obj, client.MergeFromWithOptions(old, MergeFromWithOptimisticLock{}))</c>.
/// </summary>
public sealed class StatusWriter(KubernetesJsonClient api)
{
    /// <summary>Writes <paramref name="status"/> over <paramref name="read"/>'s (the object as the reconcile read it); false when nothing changed.</summary>
    /// <param name="objectPath">The object's path, for example /apis/moe.dev/v1alpha1/namespaces/ns/epgroups/name.</param>
    /// <param name="read">The object as read (its status and resourceVersion are the base).</param>
    /// <param name="status">The whole new status.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<bool> WriteAsync(string objectPath, JsonObject read, JsonObject status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (MergePatch.Diff(read["status"], status) is not { } changes)
        {
            return false;
        }

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = (string?)read["metadata"]?["resourceVersion"] },
            ["status"] = changes,
        };
        var (code, body) = await api.SendAsync(HttpMethod.Patch, $"{objectPath}/status", patch, "application/merge-patch+json", cancellationToken);
        if ((int)code is < 200 or > 299)
        {
            throw new ApiRequestException(code, $"status of {objectPath} answered {(int)code}: {body?["message"]}");
        }

        return true;
    }
}
