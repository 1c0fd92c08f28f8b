using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s.Models;

namespace MoeOperator.Api.Validation;

/// <summary>
/// Checks a value against a structural OpenAPI v3 schema as the API server does for custom resources: types,
/// required fields, enums, ranges, lengths, patterns, and fields the schema does not declare.
/// </summary>
public static class StructuralValidator
{
    /// <summary>Appends every problem under <paramref name="path"/> to <paramref name="errors"/>.</summary>
    public static void Validate(JsonNode? node, V1JSONSchemaProps schema, string path, List<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(errors);
        if (node is null)
        {
            if (schema.Nullable != true)
            {
                errors.Add(new(path, FieldErrorType.TypeInvalid, "null", $"{path} in body must be of type {schema.Type ?? "object"}: \"null\""));
            }

            return;
        }

        if (schema.XKubernetesIntOrString == true)
        {
            ValidateIntOrString(node, schema, path, errors);
            return;
        }

        if (!HasType(node, schema.Type))
        {
            // The server quotes the type it found where the value would go. Its other checks still run on what it
            // decoded: 1e30 in an integer field is a float64 then, and also over any maximum.
            errors.Add(TypeError(path, schema.Type ?? "", node));
            if (node.GetValueKind() == JsonValueKind.Number)
            {
                ValidateScalar(node.AsValue(), schema, path, errors);
            }

            return;
        }

        switch (node)
        {
            case JsonObject obj:
                ValidateObject(obj, schema, path, errors);
                break;
            case JsonArray array:
                ValidateArray(array, schema, path, errors);
                break;
            default:
                ValidateScalar(node.AsValue(), schema, path, errors);
                break;
        }
    }

    /// <summary>How the API server prints a bad value: strings quoted, numbers and booleans bare, containers by type.</summary>
    public static string Show(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "\"object\"",
        JsonArray => "\"array\"",
        _ when node.GetValueKind() == JsonValueKind.String => JsonSerializer.Serialize(node.GetValue<string>()),
        _ when node.GetValueKind() == JsonValueKind.Number => Number(node.ToJsonString()),
        _ => node.ToJsonString(),
    };

    // A number as Go's %v prints what the server decoded: an integer as written, anything else as a float64 in
    // its shortest digits, with an exponent (of two digits at least) below 1e-4 and from 1e6 up. Otherwise 1e30
    // read from JSON and 1e30 read from YAML (a double by then) would print differently.
    private static string Number(string text)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            return text;
        }

        var value = double.Parse(text, CultureInfo.InvariantCulture);
        if (value == 0 || !double.IsFinite(value))
        {
            return value == 0 ? "0" : text;
        }

        // "R" gives the shortest digits that read back as the same double: "1E+30", "1.5E-05", "2.5", "0.0001".
        var shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        string digits;
        int exponent;
        if (shortest.IndexOf('E', StringComparison.Ordinal) is var e and >= 0)
        {
            digits = shortest[..e].Replace(".", "", StringComparison.Ordinal);
            exponent = int.Parse(shortest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        else
        {
            var point = shortest.IndexOf('.', StringComparison.Ordinal) is var p and >= 0 ? p : shortest.Length;
            var all = shortest.Replace(".", "", StringComparison.Ordinal);
            var leadingZeros = all.Length - all.TrimStart('0').Length;
            digits = all.TrimStart('0');
            exponent = point - 1 - leadingZeros;
        }

        if (exponent is >= -4 and < 6)
        {
            return (value < 0 ? "-" : "") + shortest;
        }

        digits = digits.TrimEnd('0');
        var mantissa = digits[..1] + (digits.Length > 1 ? "." + digits[1..] : "");
        return $"{(value < 0 ? "-" : "")}{mantissa}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
    }

    private static void ValidateObject(JsonObject obj, V1JSONSchemaProps schema, string path, List<FieldError> errors)
    {
        foreach (var name in schema.Required ?? [])
        {
            if (!obj.ContainsKey(name))
            {
                errors.Add(new(Join(path, name), FieldErrorType.Required, null, ""));
            }
        }

        if (schema.Properties is { Count: > 0 } properties)
        {
            foreach (var (name, value) in obj)
            {
                if (properties.TryGetValue(name, out var propertySchema))
                {
                    Validate(value, propertySchema, Join(path, name), errors);
                }
                else if (schema.XKubernetesPreserveUnknownFields != true)
                {
                    errors.Add(new(Join(path, name), FieldErrorType.Unknown, null, "field not declared in schema"));
                }
            }
        }
        else if (schema.AdditionalProperties is V1JSONSchemaProps valueSchema)
        {
            foreach (var (key, value) in obj)
            {
                // A map's key joins the path as a field name would (spec.labels.team), as the server prints it.
                Validate(value, valueSchema, Join(path, key), errors);
            }
        }
    }

    private static void ValidateArray(JsonArray array, V1JSONSchemaProps schema, string path, List<FieldError> errors)
    {
        if (schema.MaxItems is { } maxItems && array.Count > maxItems)
        {
            errors.Add(new(path, FieldErrorType.TooMany, array.Count.ToString(CultureInfo.InvariantCulture), $"must have at most {maxItems} items"));
        }

        if (schema.MinItems is { } minItems && array.Count < minItems)
        {
            errors.Add(new(path, FieldErrorType.Invalid, array.Count.ToString(CultureInfo.InvariantCulture), $"{path} in body should have at least {minItems} items"));
        }

        if (schema.Items is V1JSONSchemaProps itemSchema)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Validate(array[i], itemSchema, $"{path}[{i}]", errors);
            }
        }
    }

    private static void ValidateScalar(JsonValue value, V1JSONSchemaProps schema, string path, List<FieldError> errors)
    {
        if (schema.EnumProperty is { Count: > 0 } allowed)
        {
            var text = value.ToJsonString();
            if (!allowed.Any(a => JsonSerializer.Serialize(a) == text))
            {
                var supported = string.Join(", ", allowed.Select(a => JsonSerializer.Serialize(a)));
                errors.Add(new(path, FieldErrorType.NotSupported, Show(value), $"supported values: {supported}"));
            }
        }

        if (value.GetValueKind() == JsonValueKind.Number)
        {
            var number = AsDouble(value);
            if (schema.Minimum is { } minimum && number < minimum)
            {
                errors.Add(new(path, FieldErrorType.Invalid, Show(value), $"{path} in body should be greater than or equal to {Format(minimum)}"));
            }

            if (schema.Maximum is { } maximum && number > maximum)
            {
                errors.Add(new(path, FieldErrorType.Invalid, Show(value), $"{path} in body should be less than or equal to {Format(maximum)}"));
            }
        }

        if (value.GetValueKind() == JsonValueKind.String)
        {
            ValidateString(value.GetValue<string>(), schema, path, errors);
        }
    }

    private static void ValidateString(string text, V1JSONSchemaProps schema, string path, List<FieldError> errors)
    {
        var shown = JsonSerializer.Serialize(text);
        var length = Encoding.UTF8.GetByteCount(text);
        if (schema.MaxLength is { } maxLength && length > maxLength)
        {
            errors.Add(new(path, FieldErrorType.TooLong, shown, $"may not be more than {maxLength} bytes"));
        }

        if (schema.MinLength is { } minLength && length < minLength)
        {
            errors.Add(new(path, FieldErrorType.Invalid, shown, $"{path} in body should be at least {minLength} chars long"));
        }

        if (schema.Pattern is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            errors.Add(new(path, FieldErrorType.Invalid, shown, $"{path} in body should match '{pattern}'"));
        }

        if (schema.Format == "date-time" && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, out _))
        {
            errors.Add(new(path, FieldErrorType.Invalid, shown, $"{path} in body must be of type date-time: {shown}"));
        }
    }

    // The server reads x-kubernetes-int-or-string as the type list "integer,string", and the schema's anyOf of the
    // two as well: a value of neither type fails both, and of the anyOf's branches it reports the first's error.
    private static void ValidateIntOrString(JsonNode node, V1JSONSchemaProps schema, string path, List<FieldError> errors)
    {
        var kind = node.GetValueKind();
        if (kind == JsonValueKind.String)
        {
            ValidateString(node.GetValue<string>(), schema, path, errors);
        }
        else if (kind != JsonValueKind.Number || !IsJsonInteger(node.AsValue()))
        {
            errors.Add(TypeError(path, "integer,string", node));
            if (schema.AnyOf is { Count: > 0 } branches)
            {
                // The anyOf's error has no field of its own: the server prints its nil path as <nil>.
                errors.Add(new("<nil>", FieldErrorType.Invalid, "\"\"", $"\"{path}\" must validate at least one schema (anyOf)"));
                errors.Add(TypeError(path, branches[0].Type ?? "", node));
            }
        }
    }

    private static FieldError TypeError(string path, string type, JsonNode node) =>
        new(path, FieldErrorType.TypeInvalid, $"\"{JsonTypeName(node)}\"", $"{path} in body must be of type {type}: \"{JsonTypeName(node)}\"");

    private static bool HasType(JsonNode node, string? type) => type switch
    {
        null => true,
        "object" => node is JsonObject,
        "array" => node is JsonArray,
        "string" => node.GetValueKind() == JsonValueKind.String,
        "boolean" => node.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "number" => node.GetValueKind() == JsonValueKind.Number,
        "integer" => node.GetValueKind() == JsonValueKind.Number && IsJsonInteger(node.AsValue()),
        _ => false,
    };

    // What the server takes for an integer: JSON text that decodes as an int64, or a float64 that go-openapi's
    // IsFloat64AJSONInteger accepts (within +-(2^53 - 1), and whole, or nearly so by a relative 1e-6). So 1e30,
    // and 2^64 written out, are numbers, not integers.
    internal static bool IsJsonInteger(JsonValue value)
    {
        var text = value.ToJsonString();
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            return true;
        }

        const double MaxJsonFloat = 9007199254740991;
        var f = double.Parse(text, CultureInfo.InvariantCulture);
        if (!double.IsFinite(f) || Math.Abs(f) > MaxJsonFloat)
        {
            return false;
        }

        if (f == Math.Truncate(f))
        {
            return true;
        }

        // Go converts a negative float to a huge uint64 here, so only positive values get the tolerance.
        var whole = Math.Truncate(f);
        return f > 0 && whole > 0 && Math.Abs(f - whole) / (f + whole) < 1e-6;
    }

    // JSON text is the one representation every JsonValue has, whether parsed or built from a CLR number.
    internal static double AsDouble(JsonValue value) => double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture);

    private static string JsonTypeName(JsonNode node) => node switch
    {
        JsonObject => "object",
        JsonArray => "array",
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => IsJsonInteger(node.AsValue()) ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        },
    };

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
