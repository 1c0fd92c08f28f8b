using System.Text.Json;
using k8s;
using k8s.Models;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>
/// KubernetesClient reads the untyped schema fields (items, additionalProperties) of a CRD as JsonElement; the
/// validators walk typed schemas, so this turns those fields back into <see cref="V1JSONSchemaProps"/>.
/// </summary>
internal static class SchemaNormalizer
{
    public static V1JSONSchemaProps Normalize(V1JSONSchemaProps schema)
    {
        if (schema.Items is JsonElement { ValueKind: JsonValueKind.Object } items)
        {
            schema.Items = KubernetesJson.Deserialize<V1JSONSchemaProps>(items.GetRawText());
        }

        if (schema.AdditionalProperties is JsonElement { ValueKind: JsonValueKind.Object } values)
        {
            schema.AdditionalProperties = KubernetesJson.Deserialize<V1JSONSchemaProps>(values.GetRawText());
        }

        if (schema.Items is V1JSONSchemaProps itemSchema)
        {
            Normalize(itemSchema);
        }

        if (schema.AdditionalProperties is V1JSONSchemaProps valueSchema)
        {
            Normalize(valueSchema);
        }

        foreach (var child in (schema.Properties?.Values ?? []).Concat(schema.AnyOf ?? []).Concat(schema.AllOf ?? []).Concat(schema.OneOf ?? []))
        {
            Normalize(child);
        }

        return schema;
    }
}
