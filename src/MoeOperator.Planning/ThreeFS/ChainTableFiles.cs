using System.Globalization;
using System.Text;

namespace MoeOperator.Planning.ThreeFS;

/// <summary>
/// A chain table in the three files upstream's chain-table generator writes and admin_cli reads:
/// create_target_cmd.txt (one create-target per target), generated_chains.csv (upload-chains) and
/// generated_chain_table.csv (upload-chain-table), so a table planned here can be applied by hand as well.
/// </summary>
public static class ChainTableFiles
{
    /// <summary>One <c>create-target</c> admin_cli command per target, chain by chain in table order.</summary>
    public static string CreateTargetCommands(ChainTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var text = new StringBuilder();
        foreach (var chain in table.Chains)
        {
            foreach (var target in chain.Targets)
            {
                text.Append(CultureInfo.InvariantCulture, $"create-target --node-id {target.Node} --disk-index {target.Disk} --target-id {target.Id} --chain-id {chain.Id} --use-new-chunk-engine\n");
            }
        }

        return text.ToString();
    }

    /// <summary>generated_chains.csv: each chain and its targets, head first.</summary>
    public static string ChainsCsv(ChainTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var replicas = table.Chains.Count == 0 ? 0 : table.Chains.Max(c => c.Targets.Count);
        var text = new StringBuilder("ChainId" + string.Concat(Enumerable.Repeat(",TargetId", replicas)) + "\n");
        foreach (var chain in table.Chains)
        {
            text.Append(CultureInfo.InvariantCulture, $"{chain.Id},{string.Join(',', chain.Targets.Select(t => t.Id.ToString(CultureInfo.InvariantCulture)))}\n");
        }

        return text.ToString();
    }

    /// <summary>generated_chain_table.csv: the chain ids in table order (a file's stripe takes consecutive ones).</summary>
    public static string ChainTableCsv(ChainTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return "ChainId\n" + string.Concat(table.Chains.Select(c => c.Id.ToString(CultureInfo.InvariantCulture) + "\n"));
    }

    /// <summary>Reads a table back from generated_chains.csv and generated_chain_table.csv (node and disk come from the target ids).</summary>
    public static ChainTable Parse(string chainsCsv, string chainTableCsv)
    {
        ArgumentNullException.ThrowIfNull(chainsCsv);
        ArgumentNullException.ThrowIfNull(chainTableCsv);
        var chains = chainsCsv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1)
            .Select(line => line.Split(',').Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToList())
            .ToDictionary(row => row[0], row => new Chain(row[0], [.. row.Skip(1).Select(id => new ChainTarget(id, ThreeFSIds.NodeOfTarget(id), ThreeFSIds.DiskOfTarget(id)))]));
        var order = chainTableCsv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1)
            .Select(id => long.Parse(id, CultureInfo.InvariantCulture));
        return new ChainTable([.. order.Select(id => chains[id])], new ChainTableBalance(0, 0, 0, 0));
    }
}
