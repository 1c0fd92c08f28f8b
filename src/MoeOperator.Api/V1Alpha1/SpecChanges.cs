using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using MoeOperator.Api.Schema;
using MoeOperator.Api.Serialization;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>
/// Reads the <see cref="OnChangeAttribute"/> decisions of a spec type: the decision of every field (its own, else its
/// nearest parent's), and the revision of a spec, which changes exactly when a field that is not applied in place
/// changes, so a controller compares revisions to know whether its workload still runs the spec.
/// </summary>
public static class SpecChanges
{
    /// <summary>The leaf fields of the kind's spec, as its CRD describes them: dotted JSON names, a list's items as <c>name[]</c>.</summary>
    public static IReadOnlyList<string> Fields(KindInfo kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var leaves = new List<string>();
        void Walk(V1JSONSchemaProps node, string path)
        {
            if (node.Properties is { Count: > 0 } properties)
            {
                foreach (var (name, child) in properties)
                {
                    Walk(child, path.Length == 0 ? name : $"{path}.{name}");
                }
            }
            else if (node.Type == "array" && node.Items is V1JSONSchemaProps { Properties.Count: > 0 } items)
            {
                Walk(items, path + "[]");
            }
            else
            {
                leaves.Add(path);
            }
        }

        Walk(CrdGenerator.Build(kind).Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"], "");
        return leaves;
    }

    /// <summary>The decision for the field at <paramref name="path"/> (dotted JSON names under spec, for example <c>eplb.interval</c>), or null when none applies.</summary>
    public static OnChangeAttribute? DecisionFor(Type specType, string path) => Decide(specType, path).Decision;

    /// <summary>The field whose [OnChange] decides for <paramref name="path"/> (itself or a parent), or null.</summary>
    public static string? DecidedAt(Type specType, string path) => Decide(specType, path).At;

    private static (OnChangeAttribute? Decision, string? At) Decide(Type specType, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        (OnChangeAttribute? Decision, string? At) found = (null, null);
        var type = specType;
        var walked = new List<string>();
        foreach (var name in path.Split('.'))
        {
            var property = type is null ? null : Property(type, name.TrimEnd('[', ']'));
            if (property is null)
            {
                return found;
            }

            walked.Add(name.TrimEnd('[', ']'));
            if (property.GetCustomAttribute<OnChangeAttribute>() is { } decision)
            {
                found = (decision, string.Join('.', walked));
            }

            type = ElementType(property.PropertyType);
        }

        return found;
    }

    /// <summary>
    /// A short hash of the spec without its in-place fields, as the typed spec serialises it (so an explicit default
    /// and an omitted field are the same revision).
    /// </summary>
    public static string Revision<TSpec>(TSpec spec)
    {
        var json = JsonSerializer.SerializeToNode(spec, ApiJson.Options)!.AsObject();
        WithoutInPlace(typeof(TSpec), json);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(json.ToJsonString()));
        return Convert.ToHexStringLower(hash)[..12];
    }

    private static void WithoutInPlace(Type type, JsonObject json)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = ApiJson.FieldName(property);
            if (property.GetCustomAttribute<OnChangeAttribute>()?.Change == SpecChange.InPlace)
            {
                json.Remove(name);
            }
            else if (json[name] is JsonObject child && ElementType(property.PropertyType) is { } childType && IsApiObject(childType))
            {
                WithoutInPlace(childType, child);
            }
        }
    }

    private static PropertyInfo? Property(Type type, string jsonName) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).FirstOrDefault(p => ApiJson.FieldName(p) == jsonName);

    // The type a field's schema describes: the element of a list, the value of a map, else the field's own.
    private static Type? ElementType(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0]
            : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) ? type.GetGenericArguments()[1]
            : type;
    }

    private static bool IsApiObject(Type type) => type.IsClass && type.Namespace == typeof(ApiGroup).Namespace;
}
