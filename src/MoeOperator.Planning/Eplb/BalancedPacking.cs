namespace MoeOperator.Planning.Eplb;

/// <summary>
/// Packs n weighted items into m packs of exactly n/m items each, as evenly as a greedy can: items in descending
/// weight (ties: lower index first), each into the currently lightest pack that still has room (ties: lower pack).
/// With one item per pack, item i simply goes to pack i.
/// </summary>
public static class BalancedPacking
{
    /// <summary>The pack of each item and its position inside the pack.</summary>
    public static (int[] Pack, int[] RankInPack) Pack(IReadOnlyList<double> weights, int packs)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (packs <= 0 || weights.Count % packs != 0)
        {
            throw new ArgumentException($"{weights.Count} items cannot be packed into {packs} equal packs", nameof(packs));
        }

        var perPack = weights.Count / packs;
        var pack = new int[weights.Count];
        var rank = new int[weights.Count];
        if (perPack == 1)
        {
            for (var i = 0; i < pack.Length; i++)
            {
                pack[i] = i;
            }

            return (pack, rank);
        }

        var load = new double[packs];
        var count = new int[packs];
        foreach (var item in Enumerable.Range(0, weights.Count).OrderByDescending(i => weights[i]).ThenBy(i => i))
        {
            var lightest = -1;
            for (var p = 0; p < packs; p++)
            {
                if (count[p] < perPack && (lightest < 0 || load[p] < load[lightest]))
                {
                    lightest = p;
                }
            }

            pack[item] = lightest;
            rank[item] = count[lightest];
            load[lightest] += weights[item];
            count[lightest]++;
        }

        return (pack, rank);
    }
}
