using MoeOperator.Contract;

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

    /// <summary>
    /// Reads the published document and checks it against the layer: every slot names an expert of the layer, every
    /// expert has a slot, and the slots are <paramref name="slots"/> (MOE_PHYSICAL_EXPERT_SLOTS) when given.
    /// </summary>
    public static ExpertMap Parse(string json, int experts, int ranks, int? slots = null)
    {
        var document = ExpertMapDocument.Parse(json);
        var physical = document.PhysicalToLogical.ToArray();
        if (physical.Length != document.SlotsPerRank * ranks)
        {
            throw new FormatException($"the expert map has {physical.Length} slots, but slotsPerRank {document.SlotsPerRank} x {ranks} ranks = {document.SlotsPerRank * ranks}");
        }

        if (slots is { } expected && physical.Length != expected)
        {
            throw new FormatException($"the expert map has {physical.Length} slots, but {WorkerEnvironment.PhysicalExpertSlots} is {expected}");
        }

        if (physical.Where(e => e < 0 || e >= experts).Select(e => (int?)e).FirstOrDefault() is { } bad)
        {
            throw new FormatException($"the expert map's phy2log names expert {bad}, outside 0..{experts - 1}");
        }

        var missing = Enumerable.Range(0, experts).Except(physical).ToList();
        if (missing.Count > 0)
        {
            throw new FormatException($"the expert map gives no slot to expert(s) {string.Join(", ", missing)}");
        }

        return new ExpertMap(document.Version, document.SlotsPerRank, physical);
    }

    /// <summary>The document form, as the operator publishes it.</summary>
    public string ToJson()
    {
        var counts = new int[PhysicalToLogical.Max() + 1];
        foreach (var expert in PhysicalToLogical)
        {
            counts[expert]++;
        }

        return new ExpertMapDocument(Version, SlotsPerRank, PhysicalToLogical, counts).Format();
    }

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
