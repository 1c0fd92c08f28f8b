namespace MoeOperator.Planning.Eplb;

/// <summary>
/// Fills physical expert slots: slot i &lt; E holds logical expert i; every further slot replicates the expert with
/// the highest load per replica (ties: the lowest expert id).
/// </summary>
public static class ExpertReplication
{
    /// <summary>The logical expert of each slot, the replica index of each slot, and the replica count of each expert.</summary>
    public static (int[] SlotExpert, int[] SlotReplica, int[] Replicas) Replicate(IReadOnlyList<double> load, int slots)
    {
        ArgumentNullException.ThrowIfNull(load);
        if (slots < load.Count)
        {
            throw new ArgumentException($"{slots} slots cannot hold {load.Count} experts", nameof(slots));
        }

        var expert = new int[slots];
        var replica = new int[slots];
        var replicas = Enumerable.Repeat(1, load.Count).ToArray();
        for (var i = 0; i < load.Count; i++)
        {
            expert[i] = i;
        }

        for (var i = load.Count; i < slots; i++)
        {
            var hottest = 0;
            for (var e = 1; e < load.Count; e++)
            {
                if (load[e] / replicas[e] > load[hottest] / replicas[hottest])
                {
                    hottest = e;
                }
            }

            expert[i] = hottest;
            replica[i] = replicas[hottest];
            replicas[hottest]++;
        }

        return (expert, replica, replicas);
    }
}
