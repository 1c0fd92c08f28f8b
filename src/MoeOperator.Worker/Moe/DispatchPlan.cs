namespace MoeOperator.Worker.Moe;

/// <summary>One token bound for one rank, with every slot there that it was routed to and the gate weight of each.</summary>
public sealed record DispatchEntry(int Token, int[] Slots, float[] Weights);

/// <summary>
/// DeepEP's layout, computed on the sending rank: for each destination rank the tokens it must receive (a token
/// goes once to a rank however many of its experts live there), plus the tokens routed to each logical expert.
/// An expert with several replicas is served by replica (token + source rank) mod replicas, spreading its load.
/// </summary>
public sealed record DispatchPlan(IReadOnlyList<DispatchEntry>[] PerRank, long[] RoutedPerExpert)
{
    /// <param name="ids">Expert ids, [tokens, topk] row-major; -1 means none.</param>
    /// <param name="weights">Gate weights in the same layout.</param>
    /// <param name="tokens">Tokens (rows of ids).</param>
    /// <param name="topk">Experts per token (columns of ids).</param>
    /// <param name="map">Where each expert's replicas live.</param>
    /// <param name="sourceRank">The sending rank (spreads tokens over replicas).</param>
    /// <param name="ranks">Ranks in the group.</param>
    /// <param name="experts">Logical experts.</param>
    public static DispatchPlan Create(int[] ids, float[] weights, int tokens, int topk, ExpertMap map, int sourceRank, int ranks, int experts)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(map);
        var perRank = Enumerable.Range(0, ranks).Select(_ => new List<DispatchEntry>()).ToArray();
        var routed = new long[experts];
        var slots = new List<int>[ranks];
        var slotWeights = new List<float>[ranks];
        for (var r = 0; r < ranks; r++)
        {
            slots[r] = [];
            slotWeights[r] = [];
        }

        for (var t = 0; t < tokens; t++)
        {
            for (var k = 0; k < topk; k++)
            {
                var expert = ids[(t * topk) + k];
                if (expert < 0)
                {
                    continue;
                }

                routed[expert]++;
                var replicas = map.ReplicasOf(expert);
                var slot = replicas[(t + sourceRank) % replicas.Length];
                var rank = map.RankOf(slot);
                slots[rank].Add(slot);
                slotWeights[rank].Add(weights[(t * topk) + k]);
            }

            for (var r = 0; r < ranks; r++)
            {
                if (slots[r].Count > 0)
                {
                    perRank[r].Add(new DispatchEntry(t, [.. slots[r]], [.. slotWeights[r]]));
                    slots[r].Clear();
                    slotWeights[r].Clear();
                }
            }
        }

        return new DispatchPlan([.. perRank.Select(l => (IReadOnlyList<DispatchEntry>)l)], routed);
    }
}
