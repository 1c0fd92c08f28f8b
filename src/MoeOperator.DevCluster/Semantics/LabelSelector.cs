using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>A parsed label selector (<c>a=b,c!=d,e in (x,y),f notin (z),g,!h</c>) as the API server accepts it.</summary>
public sealed partial class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _requirements = [];

    private LabelSelector()
    {
    }

    /// <summary>Matches everything.</summary>
    public static LabelSelector Everything { get; } = new();

    /// <summary>Parses a selector; throws <see cref="ApiException"/> (400) on bad syntax.</summary>
    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var part in SplitTopLevel(text))
        {
            var term = part.Trim();
            Match match;
            if ((match = SetTerm().Match(term)).Success)
            {
                var key = match.Groups["key"].Value;
                var values = match.Groups["values"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet();
                var negate = match.Groups["op"].Value == "notin";
                selector._requirements.Add(labels => labels.TryGetValue(key, out var v) ? values.Contains(v) != negate : negate);
            }
            else if ((match = EqualityTerm().Match(term)).Success)
            {
                var key = match.Groups["key"].Value;
                var value = match.Groups["value"].Value;
                var negate = match.Groups["op"].Value == "!=";
                selector._requirements.Add(labels => labels.TryGetValue(key, out var v) ? (v == value) != negate : negate);
            }
            else if ((match = ExistsTerm().Match(term)).Success)
            {
                var key = match.Groups["key"].Value;
                var negate = match.Groups["not"].Success;
                selector._requirements.Add(labels => labels.ContainsKey(key) != negate);
            }
            else
            {
                throw ApiException.BadRequest($"unable to parse requirement: found '{term}', expected: key, key=value, key!=value, key in (...), key notin (...) or !key");
            }
        }

        return selector;
    }

    /// <summary>Whether the labels satisfy every requirement.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.All(r => r(labels));

    /// <summary>Whether the object's metadata.labels satisfy every requirement.</summary>
    public bool Matches(JsonObject obj) => _requirements.Count == 0 || Matches(LabelsOf(obj));

    /// <summary>The labels of an object.</summary>
    public static Dictionary<string, string> LabelsOf(JsonObject obj) =>
        obj["metadata"]?["labels"]?.AsObject().ToDictionary(p => p.Key, p => (string?)p.Value ?? "") ?? [];

    // Commas inside "in (a,b)" do not separate requirements.
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }

    [GeneratedRegex(@"^(?<key>[A-Za-z0-9._/-]+)\s+(?<op>in|notin)\s*\((?<values>[^)]*)\)$")]
    private static partial Regex SetTerm();

    [GeneratedRegex(@"^(?<key>[A-Za-z0-9._/-]+)\s*(?<op>==|=|!=)\s*(?<value>[A-Za-z0-9._-]*)$")]
    private static partial Regex EqualityTerm();

    [GeneratedRegex(@"^(?<not>!)?\s*(?<key>[A-Za-z0-9._/-]+)$")]
    private static partial Regex ExistsTerm();
}
