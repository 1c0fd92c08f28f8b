using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;

namespace MoeOperator.Api.Validation;

/// <summary>Applies schema defaults the way the API server does: a missing field with a default gets it, recursively.</summary>
public static class SchemaDefaulter
{
    /// <summary>Fills in defaults under <paramref name="node"/> in place.</summary>
    public static void Apply(JsonNode? node, V1JSONSchemaProps schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        switch (node)
        {
            case JsonObject obj when schema.Properties is not null:
                foreach (var (name, propertySchema) in schema.Properties)
                {
                    if (!obj.ContainsKey(name) && propertySchema.DefaultProperty is { } value)
                    {
                        obj[name] = JsonSerializer.SerializeToNode(value);
                    }

                    Apply(obj[name], propertySchema);
                }

                break;
            case JsonObject map when schema.AdditionalProperties is V1JSONSchemaProps valueSchema:
                foreach (var (_, value) in map)
                {
                    Apply(value, valueSchema);
                }

                break;
            case JsonArray array when schema.Items is V1JSONSchemaProps itemSchema:
                foreach (var item in array)
                {
                    Apply(item, itemSchema);
                }

                break;
        }
    }
}
