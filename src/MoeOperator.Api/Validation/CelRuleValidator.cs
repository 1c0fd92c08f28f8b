using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cel;
using k8s.Models;

namespace MoeOperator.Api.Validation;

/// <summary>
/// Evaluates the x-kubernetes-validations CEL rules of a schema against a value, with <c>self</c> bound to the
/// value at each rule's node, as the API server does. Run it after defaulting and structural validation.
/// </summary>
public static class CelRuleValidator
{
    private static readonly CelEnvironment _environment = new(null, null);
    private static readonly ConcurrentDictionary<string, CelProgramDelegate> _programs = new();

    /// <summary>
    /// Appends an error for every rule under <paramref name="path"/> that does not hold. <paramref name="old"/> is the
    /// stored value on an update (null on a create): a transition rule (one that reads <c>oldSelf</c>) is evaluated
    /// only where the old value has a counterpart, as the API server correlates them: object properties by name,
    /// map entries by key, never list items.
    /// </summary>
    public static void Validate(JsonNode? node, V1JSONSchemaProps schema, string path, List<FieldError> errors, JsonNode? old = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(errors);
        if (node is null)
        {
            return;
        }

        foreach (var rule in schema.XKubernetesValidations ?? [])
        {
            var fieldPath = (path + (rule.FieldPath ?? "")).TrimStart('.');
            var message = rule.Message ?? $"failed rule: {rule.Rule}";
            var transition = rule.Rule.Contains("oldSelf", StringComparison.Ordinal);
            if (transition && old is null)
            {
                continue;
            }

            try
            {
                var program = _programs.GetOrAdd(rule.Rule, r => _environment.Compile(r));
                var variables = new Dictionary<string, object?> { ["self"] = ToCel(node, schema) };
                if (transition)
                {
                    variables["oldSelf"] = ToCel(old, schema);
                }

                if (program(variables) is not true)
                {
                    errors.Add(new(fieldPath, FieldErrorType.Invalid, StructuralValidator.Show(node), message));
                }
            }
            catch (Exception e) when (e is CelException or InvalidOperationException or InvalidCastException)
            {
                errors.Add(new(path, FieldErrorType.Invalid, StructuralValidator.Show(node), $"{rule.Rule}: {e.Message}"));
            }
        }

        switch (node)
        {
            case JsonObject obj when schema.Properties is not null:
                foreach (var (name, value) in obj)
                {
                    if (schema.Properties.TryGetValue(name, out var propertySchema))
                    {
                        Validate(value, propertySchema, path.Length == 0 ? name : $"{path}.{name}", errors, (old as JsonObject)?[name]);
                    }
                }

                break;
            case JsonObject map when schema.AdditionalProperties is V1JSONSchemaProps valueSchema:
                foreach (var (key, value) in map)
                {
                    Validate(value, valueSchema, $"{path}[{key}]", errors, (old as JsonObject)?[key]);
                }

                break;
            case JsonArray array when schema.Items is V1JSONSchemaProps itemSchema:
                for (var i = 0; i < array.Count; i++)
                {
                    Validate(array[i], itemSchema, $"{path}[{i}]", errors);
                }

                break;
        }
    }

    /// <summary>
    /// The value as the CEL library wants it: dictionaries, lists, long for integers and double for numbers.
    /// The schema decides between long and double, as the API server's CEL typing does.
    /// </summary>
    internal static object? ToCel(JsonNode? node, V1JSONSchemaProps? schema) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(
            p => p.Key,
            p => ToCel(p.Value, PropertySchema(schema, p.Key))),
        JsonArray array => array.Select(item => ToCel(item, schema?.Items as V1JSONSchemaProps)).ToList(),
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => node.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when schema?.Type == "number" => StructuralValidator.AsDouble(node.AsValue()),
            JsonValueKind.Number when long.TryParse(node.ToJsonString(), CultureInfo.InvariantCulture, out var whole) => whole,
            JsonValueKind.Number => StructuralValidator.AsDouble(node.AsValue()),
            _ => null,
        },
    };

    private static V1JSONSchemaProps? PropertySchema(V1JSONSchemaProps? schema, string name) =>
        schema?.Properties is { } properties && properties.TryGetValue(name, out var property)
            ? property
            : schema?.AdditionalProperties as V1JSONSchemaProps;
}
