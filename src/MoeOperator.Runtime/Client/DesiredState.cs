using System.Text.Json.Nodes;

namespace MoeOperator.Runtime.Client;

/// <summary>
/// Whether an object already has every field a builder wants it to have. Fields the builder does not set (server
/// defaults, status, fields others own) are ignored, so a converged child needs no write at all.
/// </summary>
public static class DesiredState
{
    private static readonly HashSet<string> _metadataFields = ["labels", "annotations", "ownerReferences", "finalizers"];

    /// <summary>True when <paramref name="existing"/> holds every field of <paramref name="desired"/> with the same value.</summary>
    public static bool IsSatisfiedBy(JsonObject existing, JsonObject desired)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(desired);
        foreach (var (name, value) in desired)
        {
            if (name == "metadata")
            {
                var metadata = existing["metadata"] as JsonObject ?? [];
                if (value is JsonObject wanted && wanted.Where(p => _metadataFields.Contains(p.Key)).Any(p => !Covers(metadata[p.Key], p.Value)))
                {
                    return false;
                }
            }
            else if (name is not ("apiVersion" or "kind" or "status") && !Covers(existing[name], value))
            {
                return false;
            }
        }

        return true;
    }

    // Objects: every wanted key is covered; everything else (scalars, lists): equal.
    private static bool Covers(JsonNode? actual, JsonNode? wanted) => wanted switch
    {
        JsonObject wantedObject => actual is JsonObject actualObject && wantedObject.All(p => Covers(actualObject[p.Key], p.Value)),
        _ => JsonNode.DeepEquals(actual, wanted),
    };
}
