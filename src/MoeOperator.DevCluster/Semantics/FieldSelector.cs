using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>A parsed field selector (<c>metadata.name=x,status.phase!=Running</c>) over any dotted field path.</summary>
public sealed class FieldSelector
{
    private readonly List<(string Path, string Value, bool Negate)> _terms = [];

    /// <summary>Parses a selector; throws <see cref="ApiException"/> (400) on bad syntax.</summary>
    public static FieldSelector Parse(string? text)
    {
        var selector = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var term in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var negate = term.Contains("!=", StringComparison.Ordinal);
            var parts = term.Split(negate ? "!=" : term.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
            if (parts.Length != 2 || parts[0].Length == 0)
            {
                throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
            }

            selector._terms.Add((parts[0].Trim(), parts[1].Trim(), negate));
        }

        return selector;
    }

    /// <summary>Whether the object satisfies every term; a missing field reads as the empty string, as the server's does.</summary>
    public bool Matches(JsonObject obj) => _terms.All(t => (Read(obj, t.Path) == t.Value) != t.Negate);

    /// <summary>The name the selector pins with <c>metadata.name=</c>, if any (kubectl wait and get -w use it).</summary>
    public string? Name => _terms.FirstOrDefault(t => t.Path == "metadata.name" && !t.Negate).Value;

    private static string Read(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node switch
        {
            null => "",
            JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String => value.GetValue<string>(),
            _ => node.ToJsonString(),
        };
    }
}
