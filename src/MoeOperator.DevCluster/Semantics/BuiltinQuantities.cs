using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MoeOperator.DevCluster.Catalog;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>
/// Resource quantities of the built-in kinds as the real API server decodes them: a JSON number
/// (<c>nvidia.com/gpu: 9</c> in YAML) is a quantity and is stored as its string (<c>"9"</c>, <c>0.5</c> as
/// <c>"500m"</c>), and text that is not a quantity refuses the whole object with the server's 400. Every component
/// then reads quantities as strings, as client-go's typed objects do.
/// </summary>
internal static partial class BuiltinQuantities
{
    private const string Pattern = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

    // Where quantity maps live in each kind, as paths from the object ("*" walks an array).
    private static readonly string[][] _podSpecMaps =
    [
        ["containers", "*", "resources", "limits"], ["containers", "*", "resources", "requests"],
        ["initContainers", "*", "resources", "limits"], ["initContainers", "*", "resources", "requests"],
        ["ephemeralContainers", "*", "resources", "limits"], ["ephemeralContainers", "*", "resources", "requests"],
        ["overhead"], ["resources", "limits"], ["resources", "requests"],
    ];

    private static readonly string[][] _claimMaps = [["spec", "resources", "requests"], ["spec", "resources", "limits"], ["status", "capacity"]];

    public static void Normalize(ResourceType type, JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(obj);
        if (type.IsCustom)
        {
            return;
        }

        foreach (var path in Paths(type.GroupResource))
        {
            foreach (var map in Walk(obj, path, 0).OfType<JsonObject>())
            {
                foreach (var (name, value) in map.ToList())
                {
                    map[name] = Canonical(type, value);
                }
            }
        }
    }

    private static IEnumerable<string[]> Paths(string groupResource)
    {
        string[][] prefixes = PodTemplates.PathIn(groupResource) is { } template ? [[.. template, "spec"]] : [];
        foreach (var prefix in prefixes)
        {
            foreach (var map in _podSpecMaps)
            {
                yield return [.. prefix, .. map];
            }
        }

        switch (groupResource)
        {
            case "statefulsets.apps":
                yield return ["spec", "volumeClaimTemplates", "*", "spec", "resources", "requests"];
                yield return ["spec", "volumeClaimTemplates", "*", "spec", "resources", "limits"];
                break;
            case "persistentvolumeclaims":
                foreach (var path in _claimMaps)
                {
                    yield return path;
                }

                break;
            case "persistentvolumes":
                yield return ["spec", "capacity"];
                break;
            case "nodes":
                yield return ["status", "capacity"];
                yield return ["status", "allocatable"];
                break;
            case "resourcequotas":
                yield return ["spec", "hard"];
                yield return ["status", "hard"];
                yield return ["status", "used"];
                break;
        }
    }

    private static IEnumerable<JsonNode?> Walk(JsonNode? node, string[] path, int depth)
    {
        if (node is null)
        {
            yield break;
        }

        if (depth == path.Length)
        {
            yield return node;
            yield break;
        }

        if (path[depth] == "*")
        {
            foreach (var item in node as JsonArray ?? [])
            {
                foreach (var found in Walk(item, path, depth + 1))
                {
                    yield return found;
                }
            }
        }
        else if (node is JsonObject obj)
        {
            foreach (var found in Walk(obj[path[depth]], path, depth + 1))
            {
                yield return found;
            }
        }
    }

    private static JsonNode Canonical(ResourceType type, JsonNode? value)
    {
        if (value is JsonValue number && number.GetValueKind() == JsonValueKind.Number && number.TryGetValue<decimal>(out var amount))
        {
            return JsonValue.Create(FromNumber(amount));
        }

        if (value is JsonValue text && text.GetValueKind() == JsonValueKind.String && Shape().IsMatch(text.GetValue<string>()))
        {
            return value.DeepClone();
        }

        throw ApiException.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: quantities must match the regular expression '{Pattern}'");
    }

    // A number as the quantity the server stores: whole numbers as themselves, fractions in the largest of milli,
    // micro and nano units that holds them exactly (0.5 is "500m").
    private static string FromNumber(decimal amount)
    {
        if (amount == decimal.Truncate(amount))
        {
            return decimal.Truncate(amount).ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (factor, suffix) in new[] { (1_000m, "m"), (1_000_000m, "u"), (1_000_000_000m, "n") })
        {
            var scaled = amount * factor;
            if (scaled == decimal.Truncate(scaled) || suffix == "n")
            {
                return decimal.Round(scaled).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        throw new System.Diagnostics.UnreachableException();
    }

    [GeneratedRegex(Pattern)]
    private static partial Regex Shape();
}
