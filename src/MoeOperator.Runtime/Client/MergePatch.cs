using System.Text.Json.Nodes;

namespace MoeOperator.Runtime.Client;

/// <summary>JSON merge patches (RFC 7386), as `application/merge-patch+json` requests carry them.</summary>
public static class MergePatch
{
    /// <summary>
    /// The patch that turns <paramref name="from"/> into <paramref name="to"/>: changed members only, null for a
    /// member <paramref name="to"/> no longer has (a merge patch that merely omits it would keep it), and arrays
    /// whole (merge patches replace arrays). Null when nothing differs.
    /// </summary>
    public static JsonNode? Diff(JsonNode? from, JsonNode? to)
    {
        if (JsonNode.DeepEquals(from, to))
        {
            return null;
        }

        if (from is not JsonObject before || to is not JsonObject after)
        {
            return to?.DeepClone();
        }

        var patch = new JsonObject();
        foreach (var (name, _) in before.Where(member => !after.ContainsKey(member.Key)))
        {
            patch[name] = null;
        }

        foreach (var (name, value) in after)
        {
            if (!before.TryGetPropertyValue(name, out var old) || !JsonNode.DeepEquals(old, value))
            {
                // A null in the patch deletes; a member set to null in the new state is deleted too.
                patch[name] = old is JsonObject && value is JsonObject ? Diff(old, value) : value?.DeepClone();
            }
        }

        return patch;
    }
}
