using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Scheduling;

/// <summary>Label selectors and node selector terms as the scheduler evaluates them.</summary>
internal static class LabelMatching
{
    /// <summary>A metav1.LabelSelector (matchLabels and matchExpressions); an absent selector matches nothing.</summary>
    public static bool Matches(JsonNode? selector, JsonObject? labels)
    {
        if (selector is not JsonObject s)
        {
            return false;
        }

        var matchLabels = s["matchLabels"]?.AsObject() ?? [];
        return matchLabels.All(p => Label(labels, p.Key) == (string?)p.Value)
            && (s["matchExpressions"]?.AsArray().OfType<JsonObject>() ?? []).All(e => Expression(e, labels));
    }

    /// <summary>One node selector term: every match expression on labels and every match field (metadata.name) holds.</summary>
    public static bool TermMatches(JsonObject term, JsonObject node)
    {
        var labels = node["metadata"]?["labels"] as JsonObject;
        var fields = new JsonObject { ["metadata.name"] = (string?)node["metadata"]?["name"] };
        var expressions = term["matchExpressions"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
        var fieldExpressions = term["matchFields"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
        // A term with no requirements matches no node, as in Kubernetes.
        return (expressions.Count > 0 || fieldExpressions.Count > 0)
            && expressions.All(e => Expression(e, labels))
            && fieldExpressions.All(e => Expression(e, fields));
    }

    private static string? Label(JsonObject? labels, string key) => (string?)labels?[key];

    private static bool Expression(JsonObject expression, JsonObject? labels)
    {
        var key = (string?)expression["key"] ?? "";
        var values = expression["values"]?.AsArray().Select(v => (string?)v).ToList() ?? [];
        var present = labels?.ContainsKey(key) == true;
        var value = Label(labels, key);
        return (string?)expression["operator"] switch
        {
            "In" => present && values.Contains(value),
            "NotIn" => !present || !values.Contains(value),
            "Exists" => present,
            "DoesNotExist" => !present,
            "Gt" => present && long.TryParse(value, CultureInfo.InvariantCulture, out var gt) && values.Count == 1 && long.TryParse(values[0], CultureInfo.InvariantCulture, out var gtBound) && gt > gtBound,
            "Lt" => present && long.TryParse(value, CultureInfo.InvariantCulture, out var lt) && values.Count == 1 && long.TryParse(values[0], CultureInfo.InvariantCulture, out var ltBound) && lt < ltBound,
            _ => false,
        };
    }
}
