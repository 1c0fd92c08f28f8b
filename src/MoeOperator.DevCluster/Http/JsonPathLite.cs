using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MoeOperator.DevCluster.Http;

/// <summary>The JSONPath subset printer columns use: <c>.a.b</c>, <c>.a[0].b</c> and <c>.a[?(@.type=="Ready")].status</c>.</summary>
internal static partial class JsonPathLite
{
    public static JsonNode? Read(JsonNode? root, string path)
    {
        var node = root;
        foreach (Match step in Step().Matches(path))
        {
            if (step.Groups["field"].Success)
            {
                node = (node as JsonObject)?[step.Groups["field"].Value];
            }
            else if (step.Groups["index"].Success)
            {
                var index = int.Parse(step.Groups["index"].Value, CultureInfo.InvariantCulture);
                node = node is JsonArray array && index < array.Count ? array[index] : null;
            }
            else
            {
                var key = step.Groups["key"].Value;
                var value = step.Groups["value"].Value;
                node = (node as JsonArray)?.FirstOrDefault(item => (string?)item?[key] == value);
            }
        }

        return node;
    }

    [GeneratedRegex("""\.(?<field>[A-Za-z0-9_-]+)|\[(?<index>[0-9]+)\]|\[\?\(@\.(?<key>[A-Za-z0-9_]+)\s*==\s*["'](?<value>[^"']*)["']\)\]""")]
    private static partial Regex Step();
}
