using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Patching;

/// <summary>JSON patch (RFC 6902): add, remove, replace, move, copy and test operations on JSON pointers.</summary>
public static class JsonPatch
{
    /// <summary>The document with every operation applied in order; any failure rejects the whole patch.</summary>
    public static JsonNode Apply(JsonNode document, JsonArray operations)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(operations);
        var root = document.DeepClone();
        foreach (var operation in operations.OfType<JsonObject>())
        {
            var op = (string?)operation["op"] ?? throw ApiException.BadRequest("json patch operation without \"op\"");
            var path = (string?)operation["path"] ?? throw ApiException.BadRequest($"json patch {op} without \"path\"");
            switch (op)
            {
                case "add":
                    Add(ref root, path, operation["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Replace(ref root, path, operation["value"]?.DeepClone());
                    break;
                case "move":
                    {
                        var from = (string)operation["from"]!;
                        var value = Get(root, from)?.DeepClone();
                        Remove(root, from);
                        Add(ref root, path, value);
                        break;
                    }

                case "copy":
                    Add(ref root, path, Get(root, (string)operation["from"]!)?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path), operation["value"]))
                    {
                        throw new ApiException(422, "Invalid", $"the json patch test at {path} failed");
                    }

                    break;
                default:
                    throw ApiException.BadRequest($"unknown json patch operation \"{op}\"");
            }
        }

        return root;
    }

    private static string[] Tokens(string pointer) =>
        pointer.Length == 0 ? [] : [.. pointer.TrimStart('/').Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];

    private static JsonNode? Get(JsonNode root, string pointer)
    {
        JsonNode? node = root;
        foreach (var token in Tokens(pointer))
        {
            node = node switch
            {
                JsonObject o when o.ContainsKey(token) => o[token],
                JsonArray a when int.TryParse(token, CultureInfo.InvariantCulture, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw new ApiException(422, "Invalid", $"the json patch path {pointer} does not exist"),
            };
        }

        return node;
    }

    private static void Add(ref JsonNode root, string pointer, JsonNode? value)
    {
        var tokens = Tokens(pointer);
        if (tokens.Length == 0)
        {
            root = value ?? throw ApiException.BadRequest("cannot replace the whole document with null");
            return;
        }

        var (parent, last) = Parent(root, tokens);
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, CultureInfo.InvariantCulture, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new ApiException(422, "Invalid", $"the json patch path {pointer} does not exist");
        }
    }

    // Replaces in place, so an object keeps its key order and an array its length.
    private static void Replace(ref JsonNode root, string pointer, JsonNode? value)
    {
        var tokens = Tokens(pointer);
        if (tokens.Length == 0)
        {
            root = value ?? throw ApiException.BadRequest("cannot replace the whole document with null");
            return;
        }

        var (parent, last) = Parent(root, tokens);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                o[last] = value;
                break;
            case JsonArray a when int.TryParse(last, CultureInfo.InvariantCulture, out var i) && i >= 0 && i < a.Count:
                a[i] = value;
                break;
            default:
                throw new ApiException(422, "Invalid", $"the json patch path {pointer} does not exist");
        }
    }

    private static void Remove(JsonNode root, string pointer)
    {
        var (parent, last) = Parent(root, Tokens(pointer));
        var removed = parent switch
        {
            JsonObject o => o.Remove(last),
            JsonArray a when int.TryParse(last, CultureInfo.InvariantCulture, out var i) && i >= 0 && i < a.Count => Remove(a, i),
            _ => false,
        };
        if (!removed)
        {
            throw new ApiException(422, "Invalid", $"the json patch path {pointer} does not exist");
        }
    }

    // The container a pointer's last token is looked up in, and that token.
    private static (JsonNode? Parent, string Last) Parent(JsonNode root, string[] tokens) => tokens.Length == 0
        ? throw new ApiException(422, "Invalid", "the json patch operation needs a path below the document root")
        : (Get(root, string.Concat(tokens[..^1].Select(t => "/" + Escape(t)))), tokens[^1]);

    private static bool Remove(JsonArray array, int index)
    {
        array.RemoveAt(index);
        return true;
    }

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
