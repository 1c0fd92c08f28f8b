using System.Text.Json.Nodes;

namespace MoeOperator.Worker.Moe;

/// <summary>
/// Which logical expert each physical slot holds (slot s lives on rank s / SlotsPerRank), as the operator publishes
/// it in the group's expert-map ConfigMap, and the reverse: the slots holding each logical expert.
/// </summary>
public sealed record ExpertMap(long Version, int SlotsPerRank, int[] PhysicalToLogical)
{
    private int[][]? _replicas;

    public int Slots => PhysicalToLogical.Length;

    /// <summary>One slot per expert, expert e on rank e / (experts / ranks): the layout before the operator publishes a map.</summary>
    public static ExpertMap Identity(int experts, int ranks)
    {
        if (experts % ranks != 0)
        {
            throw new ArgumentException($"experts ({experts}) must be a multiple of ranks ({ranks}) when no expert map is given");
        }

        return new ExpertMap(0, experts / ranks, [.. Enumerable.Range(0, experts)]);
    }

    /// <summary>Reads the published document; names the field that is missing or wrong.</summary>
    public static ExpertMap Parse(string json, int experts, int ranks)
    {
        var document = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("the expert map is not a JSON object");
        var version = (long?)document["version"] ?? throw new FormatException("the expert map has no 'version'");
        var slotsPerRank = (int?)document["slotsPerRank"] ?? throw new FormatException("the expert map has no 'slotsPerRank'");
        var slots = document["phy2log"]?.AsArray().Select(v => (int)v!).ToArray() ?? throw new FormatException("the expert map has no 'phy2log'");
        if (slots.Length != slotsPerRank * ranks)
        {
            throw new FormatException($"the expert map has {slots.Length} slots, but slotsPerRank {slotsPerRank} x {ranks} ranks = {slotsPerRank * ranks}");
        }

        if (slots.Where(e => e < 0 || e >= experts).Select(e => (int?)e).FirstOrDefault() is { } bad)
        {
            throw new FormatException($"the expert map's phy2log names expert {bad}, outside 0..{experts - 1}");
        }

        var missing = Enumerable.Range(0, experts).Except(slots).ToList();
        if (missing.Count > 0)
        {
            throw new FormatException($"the expert map gives no slot to expert(s) {string.Join(", ", missing)}");
        }

        return new ExpertMap(version, slotsPerRank, slots);
    }

    /// <summary>The document form, as the operator publishes it (phy2log only; the rest is derived).</summary>
    public string ToJson() => new JsonObject
    {
        ["version"] = Version,
        ["slotsPerRank"] = SlotsPerRank,
        ["phy2log"] = new JsonArray([.. PhysicalToLogical.Select(e => (JsonNode?)e)]),
    }.ToJsonString();

    public int RankOf(int slot) => slot / SlotsPerRank;

    /// <summary>The slots rank <paramref name="rank"/> holds, in order.</summary>
    public IEnumerable<int> SlotsOf(int rank) => Enumerable.Range(rank * SlotsPerRank, SlotsPerRank);

    /// <summary>The slots holding <paramref name="expert"/>, lowest first.</summary>
    public int[] ReplicasOf(int expert)
    {
        _replicas ??= [.. Enumerable.Range(0, PhysicalToLogical.Max() + 1).Select(e => Enumerable.Range(0, Slots).Where(s => PhysicalToLogical[s] == e).ToArray())];
        return expert < _replicas.Length ? _replicas[expert] : [];
    }
}
