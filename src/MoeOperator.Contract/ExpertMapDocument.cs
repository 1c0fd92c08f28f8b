using System.Text.Json;
using System.Text.Json.Nodes;

namespace MoeOperator.Contract;

/// <summary>
/// The expert map as the operator publishes it in the group's ConfigMap (key <see cref="ConfigMapKey"/>, mounted
/// under <see cref="MountDirectory"/>): its version, the slots per rank, the logical expert each physical slot holds
/// (slot s lives on rank s / SlotsPerRank) and each expert's replica count. The names are EPLB's (phy2log, logcnt).
/// </summary>
public sealed record ExpertMapDocument(long Version, int SlotsPerRank, IReadOnlyList<int> PhysicalToLogical, IReadOnlyList<int> ReplicaCounts)
{
    public const string ConfigMapKey = "expert-map.json";
    public const string MountDirectory = "/etc/moe/expert-map";

    /// <summary>The path the worker reads (the value of MOE_EXPERT_MAP).</summary>
    public static string MountedPath => $"{MountDirectory}/{ConfigMapKey}";

    /// <summary>The JSON document; log2phy (the slots of each expert, -1 padded) is written for readers that want it.</summary>
    public string Format()
    {
        var width = ReplicaCounts.Count == 0 ? 0 : ReplicaCounts.Max();
        var logicalToPhysical = Enumerable.Range(0, ReplicaCounts.Count).Select(e =>
        {
            var slots = Enumerable.Range(0, PhysicalToLogical.Count).Where(s => PhysicalToLogical[s] == e).ToList();
            return (JsonNode)new JsonArray([.. slots.Concat(Enumerable.Repeat(-1, width - slots.Count)).Select(s => (JsonNode?)s)]);
        });
        return new JsonObject
        {
            ["version"] = Version,
            ["slotsPerRank"] = SlotsPerRank,
            ["phy2log"] = Numbers(PhysicalToLogical),
            ["log2phy"] = new JsonArray([.. logicalToPhysical]),
            ["logcnt"] = Numbers(ReplicaCounts),
        }.ToJsonString();
    }

    /// <summary>Reads the document; a missing or malformed field fails with a <see cref="FormatException"/> naming it.</summary>
    public static ExpertMapDocument Parse(string json)
    {
        JsonObject document;
        try
        {
            document = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("the expert map is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException($"the expert map is not JSON: {e.Message}", e);
        }

        var slots = Integers(document, "phy2log");
        return new ExpertMapDocument(
            Field(document, "version", v => v.GetValue<long>()),
            Field(document, "slotsPerRank", v => v.GetValue<int>()),
            slots,
            document.ContainsKey("logcnt") ? Integers(document, "logcnt") : Counts(slots));
    }

    private static int[] Counts(int[] slots)
    {
        var counts = new int[slots.Length == 0 ? 0 : slots.Max() + 1];
        foreach (var expert in slots.Where(e => e >= 0))
        {
            counts[expert]++;
        }

        return counts;
    }

    private static T Field<T>(JsonObject document, string name, Func<JsonValue, T> read)
    {
        try
        {
            return document[name] is JsonValue value ? read(value) : throw new FormatException($"the expert map has no '{name}'");
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException($"the expert map's '{name}' is not an integer", e);
        }
    }

    private static int[] Integers(JsonObject document, string name)
    {
        if (document[name] is not JsonArray array)
        {
            throw new FormatException($"the expert map has no '{name}' array");
        }

        try
        {
            return [.. array.Select(v => v is JsonValue value ? value.GetValue<int>() : throw new FormatException($"the expert map's '{name}' holds a non-integer"))];
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException($"the expert map's '{name}' holds a non-integer", e);
        }
    }

    private static JsonArray Numbers(IEnumerable<int> values) => new([.. values.Select(v => (JsonNode?)v)]);
}
