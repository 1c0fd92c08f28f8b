using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MoeOperator.Api.Schema;

/// <summary>Reads multi-document YAML into JSON objects, typing plain scalars by the YAML 1.2 core schema as kubectl does.</summary>
public static partial class YamlDocuments
{
    /// <summary>
    /// How deeply objects may nest: far past any real resource, and where System.Text.Json's default of 64 would
    /// refuse what the API server (whose decoder allows 10,000) reads as an unknown field to report by its path.
    /// </summary>
    public const int MaxDepth = 1000;

    /// <summary>Reading options that allow <see cref="MaxDepth"/>.</summary>
    public static System.Text.Json.JsonDocumentOptions JsonOptions { get; } = new() { MaxDepth = MaxDepth };

    /// <summary>Every non-empty document in the text, each as a JSON object.</summary>
    public static IReadOnlyList<JsonObject> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        // Re-parsed from JSON text, so numbers read back as any numeric type, as parsed JSON does.
        return [.. stream.Documents
            .Select(d => ToNode(d.RootNode))
            .OfType<JsonObject>()
            .Select(o => JsonNode.Parse(o.ToJsonString(), documentOptions: JsonOptions)!.AsObject())];
    }

    private static JsonNode? ToNode(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p =>
            KeyValuePair.Create(((YamlScalarNode)p.Key).Value ?? "", ToNode(p.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToNode)]),
        YamlScalarNode scalar => ToScalar(scalar),
        _ => throw new YamlException($"unsupported YAML node {node.NodeType} at {node.Start}"),
    };

    private static JsonValue? ToScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when Integer().IsMatch(text) && long.TryParse(text, CultureInfo.InvariantCulture, out var whole) => JsonValue.Create(whole),
            _ when Float().IsMatch(text) => JsonValue.Create(double.Parse(text, CultureInfo.InvariantCulture)),
            _ => JsonValue.Create(text),
        };
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();
}
