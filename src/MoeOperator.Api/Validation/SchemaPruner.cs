using System.Text.Json.Nodes;
using k8s.Models;

namespace MoeOperator.Api.Validation;

/// <summary>Removes fields a structural schema does not declare, as the API server prunes custom resources.</summary>
public static class SchemaPruner
{
    /// <summary>Prunes <paramref name="node"/> in place and returns the paths of the fields it removed.</summary>
    public static List<string> Prune(JsonNode? node, V1JSONSchemaProps schema, string path = "")
    {
        ArgumentNullException.ThrowIfNull(schema);
        var removed = new List<string>();
        Walk(node, schema, path, removed);
        return removed;
    }

    private static void Walk(JsonNode? node, V1JSONSchemaProps schema, string path, List<string> removed)
    {
        if (schema.XKubernetesPreserveUnknownFields == true || schema.XKubernetesIntOrString == true)
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj when schema.Properties is { Count: > 0 } properties:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    var childPath = path.Length == 0 ? name : $"{path}.{name}";
                    if (properties.TryGetValue(name, out var child))
                    {
                        Walk(obj[name], child, childPath, removed);
                    }
                    else
                    {
                        obj.Remove(name);
                        removed.Add(childPath);
                    }
                }

                break;
            case JsonObject map when schema.AdditionalProperties is V1JSONSchemaProps values:
                foreach (var (key, value) in map.ToList())
                {
                    Walk(value, values, $"{path}[{key}]", removed);
                }

                break;
            case JsonArray array when schema.Items is V1JSONSchemaProps items:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], items, $"{path}[{i}]", removed);
                }

                break;
        }
    }
}
