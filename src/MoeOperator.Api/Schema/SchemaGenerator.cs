using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using k8s.Models;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Api.Schema;

/// <summary>
/// Turns the C# API types into structural OpenAPI v3 schemas. Types, required fields, ranges, patterns and
/// lengths come from the property types and DataAnnotations; descriptions from the XML docs; defaults from
/// the property initialisers; cross-field rules from <see cref="ValidationRules"/>.
/// </summary>
internal sealed class SchemaGenerator(XmlDocs docs, IReadOnlyList<CrossFieldRule> rules)
{
    /// <summary>Kubernetes' quantity syntax (resource.Quantity), as the built-in schemas spell it.</summary>
    public const string QuantityPattern =
        @"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

    private readonly NullabilityInfoContext _nullability = new();

    /// <summary>The schema of an object type. Defaults are written only for spec types: status has none.</summary>
    public V1JSONSchemaProps ForObject(Type type, bool withDefaults)
    {
        var schema = new V1JSONSchemaProps { Type = "object", Description = docs.ForType(type), Properties = new Dictionary<string, V1JSONSchemaProps>() };
        var instance = withDefaults ? Activator.CreateInstance(type) : null;
        var required = new List<string>();
        var immutableOptional = new List<V1ValidationRule>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = ApiJson.FieldName(property);
            var isRequired = property.GetCustomAttribute<RequiredAttribute>() is not null;
            var propertySchema = ForValue(property.PropertyType, withDefaults);
            propertySchema.Description = docs.ForProperty(property)
                ?? throw new InvalidOperationException($"{type.Name}.{property.Name} has no XML doc summary; it becomes the CRD description");
            ApplyAnnotations(property, propertySchema);
            if (withDefaults)
            {
                Bound(propertySchema);
            }
            if (ApplyChangeDecision(name, property, propertySchema, present: isRequired || IsNonNullable(property)) is { } parentRule)
            {
                immutableOptional.Add(parentRule);
            }
            if (isRequired)
            {
                required.Add(name);
            }
            else if (instance is not null && IsNonNullable(property))
            {
                propertySchema.DefaultProperty = DefaultOf(property.GetValue(instance));
            }

            schema.Properties[name] = propertySchema;
        }

        schema.Required = required.Count > 0 ? required : null;
        var typeRules = rules.Where(r => r.Target == type)
            .Select(r => new V1ValidationRule { Rule = r.Rule, Message = r.Message, FieldPath = r.FieldPath })
            .Concat(immutableOptional)
            .ToList();
        schema.XKubernetesValidations = typeRules.Count > 0 ? typeRules : null;
        return schema;
    }

    private V1JSONSchemaProps ForValue(Type type, bool withDefaults)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return new V1JSONSchemaProps { Type = "string" };
        }

        if (type == typeof(bool))
        {
            return new V1JSONSchemaProps { Type = "boolean" };
        }

        if (type == typeof(int) || type == typeof(long))
        {
            return new V1JSONSchemaProps { Type = "integer", Format = type == typeof(int) ? "int32" : "int64" };
        }

        if (type == typeof(double))
        {
            return new V1JSONSchemaProps { Type = "number", Format = "double" };
        }

        if (type == typeof(DateTimeOffset))
        {
            return new V1JSONSchemaProps { Type = "string", Format = "date-time" };
        }

        if (type.IsEnum)
        {
            return new V1JSONSchemaProps { Type = "string", EnumProperty = [.. Enum.GetNames(type)] };
        }

        if (type == typeof(ResourceQuantity))
        {
            return new V1JSONSchemaProps
            {
                AnyOf = [new V1JSONSchemaProps { Type = "integer" }, new V1JSONSchemaProps { Type = "string" }],
                Pattern = QuantityPattern,
                XKubernetesIntOrString = true,
            };
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            return new V1JSONSchemaProps { Type = "object", AdditionalProperties = ForValue(type.GetGenericArguments()[1], withDefaults) };
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var element = type.GetGenericArguments()[0];
            var array = new V1JSONSchemaProps { Type = "array", Items = ForValue(element, withDefaults) };
            if (element == typeof(Condition))
            {
                // Conditions merge by type, as metav1.Condition lists do.
                array.XKubernetesListType = "map";
                array.XKubernetesListMapKeys = ["type"];
            }

            return array;
        }

        if (type.IsClass && type.Namespace == typeof(ApiGroup).Namespace)
        {
            return ForObject(type, withDefaults);
        }

        throw new NotSupportedException($"No schema mapping for {type.FullName}; add one to {nameof(SchemaGenerator)}");
    }

    // What a change of the field does goes into its description (kubectl explain); an immutable field gets the
    // transition rule that makes the API server refuse a change, naming the field and what to do instead. A rule on
    // the field itself only runs when both the old and the new object have it, so a field that may be absent gets its
    // rule on the parent (returned for the caller to attach), where adding or removing it counts as a change too.
    private static V1ValidationRule? ApplyChangeDecision(string name, PropertyInfo property, V1JSONSchemaProps schema, bool present)
    {
        if (property.GetCustomAttribute<OnChangeAttribute>() is not { } decision)
        {
            return null;
        }

        schema.Description = decision.Change switch
        {
            SpecChange.Immutable => $"{schema.Description} Immutable: {decision.How}",
            SpecChange.WhileSuspended => $"{schema.Description} Changeable only while suspend is true: {decision.How}",
            _ => $"{schema.Description} On change ({decision.Change}): {decision.How}",
        };
        if (decision.Change == SpecChange.WhileSuspended)
        {
            // The rule needs the suspend flag beside the field, so it always sits on the parent.
            if (property.DeclaringType?.GetProperty("Suspend") is null)
            {
                throw new InvalidOperationException($"{property.DeclaringType?.Name}.{property.Name} is decided WhileSuspended, but its type has no Suspend field for the rule to read");
            }

            return new V1ValidationRule
            {
                Rule = $"self.suspend || (has(self.{name}) == has(oldSelf.{name}) && (!has(self.{name}) || self.{name} == oldSelf.{name}))",
                Message = $"{name} can change only while suspend is true: {decision.How}",
                FieldPath = "." + name,
            };
        }

        if (decision.Change != SpecChange.Immutable)
        {
            return null;
        }

        var message = $"{name} is immutable: {decision.How}";
        if (!present)
        {
            return new V1ValidationRule { Rule = $"has(self.{name}) == has(oldSelf.{name}) && (!has(self.{name}) || self.{name} == oldSelf.{name})", Message = message, FieldPath = "." + name };
        }

        schema.XKubernetesValidations = [new V1ValidationRule { Rule = "self == oldSelf", Message = message }, .. schema.XKubernetesValidations ?? []];
        return null;
    }

    /// <summary>The maxLength a spec string gets when its field names none (a path's limit on Linux).</summary>
    public const long DefaultMaxLength = 4096;

    /// <summary>The maxItems of a spec list, and the maxProperties of a spec map, when the field names none.</summary>
    public const long DefaultMaxItems = 256;

    /// <summary>The maxLength of a resource quantity's string form.</summary>
    public const long QuantityMaxLength = 64;

    // A real API server estimates what each CEL rule may cost from the schema, sizing every unbounded string, list and
    // map by the largest request (3 MB), and refuses a CRD whose rules could cost more than its budget ("estimated
    // rule cost exceeds budget"). Every string, list and map of a spec therefore gets a bound (its field's own, or
    // these defaults); status is written by the operator and reads no rule but those bounded by hand.
    private static void Bound(V1JSONSchemaProps schema)
    {
        if (schema.XKubernetesIntOrString == true)
        {
            schema.MaxLength ??= QuantityMaxLength;
        }
        else if (schema.Type == "string" && schema.EnumProperty is null && schema.Format is null)
        {
            schema.MaxLength ??= DefaultMaxLength;
        }
        else if (schema.Type == "array")
        {
            schema.MaxItems ??= DefaultMaxItems;
            Bound((V1JSONSchemaProps)schema.Items);
        }
        else if (schema.Type == "object" && schema.AdditionalProperties is V1JSONSchemaProps values)
        {
            schema.MaxProperties ??= DefaultMaxItems;
            Bound(values);
        }
    }

    private static void ApplyAnnotations(PropertyInfo property, V1JSONSchemaProps schema)
    {
        var isArray = schema.Type == "array";
        if (property.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            schema.Minimum = Convert.ToDouble(range.Minimum, System.Globalization.CultureInfo.InvariantCulture);
            var maximum = Convert.ToDouble(range.Maximum, System.Globalization.CultureInfo.InvariantCulture);
            schema.Maximum = maximum >= long.MaxValue ? null : maximum;
        }

        if (property.GetCustomAttribute<RegularExpressionAttribute>() is { } pattern)
        {
            (isArray ? (V1JSONSchemaProps)schema.Items : schema).Pattern = pattern.Pattern;
        }

        if (property.GetCustomAttribute<MinLengthAttribute>() is { } minLength)
        {
            if (isArray)
            {
                schema.MinItems = minLength.Length;
            }
            else
            {
                schema.MinLength = minLength.Length;
            }
        }

        if (property.GetCustomAttribute<ItemMaxLengthAttribute>() is { } itemMaxLength)
        {
            ((V1JSONSchemaProps)schema.Items).MaxLength = itemMaxLength.Length;
        }

        if (property.GetCustomAttribute<MaxLengthAttribute>() is { } maxLength)
        {
            if (isArray)
            {
                schema.MaxItems = maxLength.Length;
            }
            else
            {
                schema.MaxLength = maxLength.Length;
            }
        }
    }

    private bool IsNonNullable(PropertyInfo property) =>
        property.PropertyType.IsValueType
            ? Nullable.GetUnderlyingType(property.PropertyType) is null
            : _nullability.Create(property).ReadState == NullabilityState.NotNull;

    // An object default of {} lets the API server apply the nested defaults when the user leaves the object out.
    private static object? DefaultOf(object? value) => value switch
    {
        null => null,
        string s => s.Length == 0 ? null : s,
        bool or int or long or double => value,
        Enum e => e.ToString(),
        ResourceQuantity q => q.ToString(),
        IEnumerable => null,
        _ => new Dictionary<string, object>(),
    };
}
