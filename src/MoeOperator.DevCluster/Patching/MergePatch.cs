using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Patching;

/// <summary>JSON merge patch (RFC 7386): objects merge recursively, null deletes, everything else replaces.</summary>
public static class MergePatch
{
    /// <summary>The target with the patch applied; neither input is changed.</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? targetObject.DeepClone().AsObject() : [];
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = Apply(result[key], value);
            }
        }

        return result;
    }
}
