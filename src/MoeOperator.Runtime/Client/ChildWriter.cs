using System.Net;
using System.Text.Json.Nodes;

namespace MoeOperator.Runtime.Client;

/// <summary>
/// Create-or-update of a child object that writes nothing when the child already has what the builder wants;
/// creates it when missing and merge-patches only the wanted fields when not. Names are deterministic, so a
/// create racing a stale cache finds the object and carries on.
/// </summary>
public sealed class ChildWriter(KubernetesJsonClient client)
{
    /// <summary>Makes the child at <paramref name="collectionPath"/> hold <paramref name="desired"/>; <paramref name="cached"/> is the informer's copy, if any.</summary>
    public async Task<ChildOutcome> EnsureAsync(string collectionPath, JsonObject desired, JsonObject? cached, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var name = (string?)desired["metadata"]?["name"] ?? throw new ArgumentException("the desired object has no metadata.name", nameof(desired));
        var existing = cached;
        if (existing is null)
        {
            var (status, body) = await client.SendAsync(HttpMethod.Post, collectionPath, desired, cancellationToken: cancellationToken);
            if (status != HttpStatusCode.Conflict)
            {
                Check(status, body, "create", collectionPath, name);
                return ChildOutcome.Created;
            }

            (status, body) = await client.SendAsync(HttpMethod.Get, $"{collectionPath}/{name}", cancellationToken: cancellationToken);
            Check(status, body, "get", collectionPath, name);
            existing = body!.AsObject();
        }

        if (existing["metadata"]?["deletionTimestamp"] is not null)
        {
            // Patching a dying object would be lost with it; the caller creates the child once the name is free.
            return ChildOutcome.Terminating;
        }

        // Another resource's child by that name (a TrainingJob named like an EPGroup in its namespace, say) is never
        // taken over; an object no one controls (left behind on purpose, or made by hand) is adopted.
        if (Controller(desired) is { } mine && Controller(existing) is { } theirs && (string?)theirs["uid"] != (string?)mine["uid"])
        {
            var message = $"{desired["kind"]} \"{name}\" already exists and is controlled by {theirs["kind"]} \"{theirs["name"]}\", not by {mine["kind"]} \"{mine["name"]}\": give one of them another name";
            throw new ApiRequestException(HttpStatusCode.UnprocessableEntity, $"create {collectionPath}/{name}: {message}") { RefusedCreate = $"Error creating: {message}" };
        }

        if (DesiredState.IsSatisfiedBy(existing, desired))
        {
            return ChildOutcome.Unchanged;
        }

        var (patchStatus, patched) = await client.SendAsync(HttpMethod.Patch, $"{collectionPath}/{name}", desired, "application/merge-patch+json", cancellationToken);
        Check(patchStatus, patched, "patch", collectionPath, name);
        return ChildOutcome.Updated;
    }

    private static JsonObject? Controller(JsonObject obj) =>
        obj["metadata"]?["ownerReferences"]?.AsArray().OfType<JsonObject>().FirstOrDefault(r => (bool?)r["controller"] == true);

    private static void Check(HttpStatusCode status, JsonNode? body, string verb, string path, string name)
    {
        if ((int)status is < 200 or > 299)
        {
            var message = (string?)body?["message"] ?? body?.ToJsonString();
            var refused = verb == "create" && status is HttpStatusCode.Forbidden or HttpStatusCode.UnprocessableEntity;
            throw new ApiRequestException(status, $"{verb} {path}/{name} answered {(int)status}: {message}") { RefusedCreate = refused ? $"Error creating: {message}" : null };
        }
    }
}
