using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Patching;

/// <summary>
/// Strategic merge patch for the built-in kinds that kubectl and helm patch: like a merge patch, but lists
/// of objects with a merge key merge item by item, primitive lists with a merge strategy take the union,
/// and the <c>$patch</c> directives (delete, replace, merge) and <c>$deleteFromPrimitiveList</c> work.
/// </summary>
/// <remarks>
/// Kubernetes keeps merge keys in the Go struct tags of each type. The table below lists the fields this project
/// and its users patch; any other list is replaced whole, which is also what the server does for atomic lists.
/// </remarks>
public static class StrategicMergePatch
{
    private static readonly Dictionary<string, string> _mergeKeys = new()
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["volumes"] = "name",
        ["volumeMounts"] = "mountPath",
        ["volumeDevices"] = "devicePath",
        ["imagePullSecrets"] = "name",
        ["conditions"] = "type",
        ["ownerReferences"] = "uid",
        ["hostAliases"] = "ip",
        ["topologySpreadConstraints"] = "topologyKey",
        ["resourceClaims"] = "name",
        ["readinessGates"] = "conditionType",
    };

    private static readonly HashSet<string> _primitiveMergeLists = ["finalizers"];

    /// <summary>The target with the patch applied; neither input is changed.</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch) => Merge(target, patch);

    private static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        if ((string?)patchObject["$patch"] == "replace")
        {
            var replacement = patchObject.DeepClone().AsObject();
            replacement.Remove("$patch");
            return replacement;
        }

        var result = target is JsonObject targetObject ? targetObject.DeepClone().AsObject() : [];
        foreach (var (key, value) in patchObject)
        {
            if (key.StartsWith("$setElementOrder/", StringComparison.Ordinal) || key == "$patch" || key == "$retainKeys")
            {
                continue;
            }

            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray existing && value is JsonArray remove)
                {
                    result[field] = new JsonArray([.. existing.Where(e => !remove.Any(r => JsonNode.DeepEquals(r, e))).Select(e => e?.DeepClone())]);
                }

                continue;
            }

            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonArray patchList && result[key] is JsonArray targetList)
            {
                result[key] = MergeList(key, targetList, patchList);
            }
            else
            {
                result[key] = Merge(result[key], value);
            }
        }

        return result;
    }

    private static JsonArray MergeList(string field, JsonArray target, JsonArray patch)
    {
        if (_primitiveMergeLists.Contains(field))
        {
            var union = target.Select(t => t?.DeepClone()).ToList();
            union.AddRange(patch.Where(p => !target.Any(t => JsonNode.DeepEquals(t, p))).Select(p => p?.DeepClone()));
            return new JsonArray([.. union]);
        }

        var mergeKey = MergeKey(field, target, patch);
        if (mergeKey is null)
        {
            return new JsonArray([.. patch.Where(p => (string?)(p as JsonObject)?["$patch"] != "delete").Select(p => p?.DeepClone())]);
        }

        var merged = target.Select(t => t?.DeepClone()).ToList();
        foreach (var item in patch.OfType<JsonObject>())
        {
            var keyValue = item[mergeKey];
            var index = merged.FindIndex(m => m is JsonObject o && JsonNode.DeepEquals(o[mergeKey], keyValue));
            if ((string?)item["$patch"] == "delete")
            {
                if (index >= 0)
                {
                    merged.RemoveAt(index);
                }
            }
            else if (index >= 0)
            {
                merged[index] = Merge(merged[index], item);
            }
            else
            {
                merged.Add(Merge(null, item));
            }
        }

        return new JsonArray([.. merged]);
    }

    // Ports merge by containerPort inside containers and by port inside a Service spec.
    private static string? MergeKey(string field, JsonArray target, JsonArray patch)
    {
        if (field == "ports")
        {
            return target.Concat(patch).OfType<JsonObject>().Any(p => p.ContainsKey("containerPort")) ? "containerPort" : "port";
        }

        return _mergeKeys.GetValueOrDefault(field);
    }
}
