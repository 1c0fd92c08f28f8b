using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MoeOperator.Api.Serialization;

/// <summary>The JSON form of this API's objects: camelCase fields, enums as their names, times as Kubernetes writes them, nulls left out.</summary>
public static class ApiJson
{
    /// <summary>Serializer options for custom resources of this API.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>The JSON field name of a property, as serialization and the CRD schema both use it.</summary>
    public static string FieldName(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        return property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
            ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter(), new KubernetesTimeConverter() },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
