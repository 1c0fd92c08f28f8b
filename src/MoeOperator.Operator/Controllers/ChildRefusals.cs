using System.Text.Json.Nodes;
using MoeOperator.Runtime.Client;

namespace MoeOperator.Controllers;

/// <summary>
/// A child the API server refused to create (a namespace's Pod Security level, RBAC, quota, validation) is told on
/// the resource that wanted it, as a FailedCreate warning event with the server's message, the way a ReplicaSet
/// tells of pods it could not create; the reconcile still fails, so it is logged, counted and retried with backoff.
/// </summary>
internal static class ChildRefusals
{
    public const string Reason = "FailedCreate";

    /// <summary>Runs a reconcile; a refused create is recorded on <paramref name="owner"/> before it propagates.</summary>
    public static async Task<T> ReportingAsync<T>(EventRecorder events, JsonObject owner, Func<Task<T>> reconcile, Func<string, Task>? onRefused, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(reconcile);
        try
        {
            return await reconcile();
        }
        catch (ApiRequestException e) when (e.RefusedCreate is { } refusal)
        {
            await events.RecordAsync(owner, warning: true, Reason, "Create", refusal, cancellationToken);
            if (onRefused is not null)
            {
                try
                {
                    await onRefused(refusal);
                }
                catch (ApiRequestException conflict) when (conflict.Status == System.Net.HttpStatusCode.Conflict)
                {
                    // The pass wrote the status before the refused create: the next pass, on the newer object,
                    // meets the same refusal and writes it.
                }
            }

            throw;
        }
    }
}
