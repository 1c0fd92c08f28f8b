using System.Text;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.FieldManagement;

/// <summary>The path elements of fieldsV1 and the way the real server prints a path in a conflict.</summary>
public static class PathElements
{
    /// <summary>A field of an object.</summary>
    public static string Field(string name) => "f:" + name;

    /// <summary>An item of an associative list, by its key fields in name order.</summary>
    public static string Key(JsonObject item, IReadOnlyList<string> keys, IReadOnlyDictionary<string, JsonNode>? keyDefaults = null)
    {
        var key = new JsonObject();
        foreach (var name in keys.Order(StringComparer.Ordinal))
        {
            if (item[name] is { } value)
            {
                key[name] = value.DeepClone();
            }
            else if (keyDefaults?.TryGetValue(name, out var fallback) == true)
            {
                key[name] = fallback.DeepClone();
            }
        }

        return "k:" + key.ToJsonString();
    }

    /// <summary>The element that names one item of a list: its keys in a Map list, its value otherwise.</summary>
    public static string Item(JsonNode? item, FieldShape listShape)
    {
        ArgumentNullException.ThrowIfNull(listShape);
        return listShape.ListKind == ListKind.Map && item is JsonObject obj ? Key(obj, listShape.KeysOf(obj), listShape.KeyDefaults) : Value(item);
    }

    /// <summary>A member of a set list.</summary>
    public static string Value(JsonNode? value) => "v:" + (value?.ToJsonString() ?? "null");

    /// <summary>An item of a list addressed by position.</summary>
    public static string Index(int index) => "i:" + index;

    /// <summary>A path as the real server prints it in an apply conflict: <c>.spec.containers[name="c"].image</c>.</summary>
    public static string Describe(IReadOnlyList<string> path)
    {
        var text = new StringBuilder();
        foreach (var element in path)
        {
            var body = element[2..];
            switch (element[0])
            {
                case 'f':
                    text.Append('.').Append(body);
                    break;
                case 'k':
                    var pairs = JsonNode.Parse(body)!.AsObject().Select(p => $"{p.Key}={p.Value?.ToJsonString()}");
                    text.Append('[').Append(string.Join(',', pairs)).Append(']');
                    break;
                case 'v':
                    text.Append("[=").Append(body).Append(']');
                    break;
                default:
                    text.Append('[').Append(body).Append(']');
                    break;
            }
        }

        return text.ToString();
    }
}
