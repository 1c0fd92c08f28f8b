using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MoeOperator.Planning.ThreeFS;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// A storage scale-out as admin_cli command files, in the order upstream's add-storage-nodes guide gives:
/// add.txt (create-target on the new node, update-chain --mode add), remove.txt once the added targets serve
/// (offline-target, update-chain --mode remove, remove-target), new_targets.txt for the new chains, and the
/// chains and chain table the cluster ends with. Kept in one ConfigMap so an operator restart resumes the plan.
/// </summary>
internal static class ChainMigrationFiles
{
    public const string Directory = "/opt/3fs/migration";

    public static JsonObject ConfigMap(JsonObject cluster, ChainMigration migration)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(migration);
        var name = (string)cluster["metadata"]!["name"]!;
        var add = new StringBuilder();
        var remove = new StringBuilder();
        foreach (var move in migration.Moves)
        {
            add.Append(CultureInfo.InvariantCulture, $"create-target --node-id {move.To.Node} --disk-index {move.To.Disk} --target-id {move.To.Id} --chain-id {move.ChainId} --use-new-chunk-engine\n");
            add.Append(CultureInfo.InvariantCulture, $"update-chain --mode add {move.ChainId} {move.To.Id}\n");
            remove.Append(CultureInfo.InvariantCulture, $"offline-target --node-id {move.From.Node} --target-id {move.From.Id}\n");
            remove.Append(CultureInfo.InvariantCulture, $"update-chain --mode remove {move.ChainId} {move.From.Id}\n");
            remove.Append(CultureInfo.InvariantCulture, $"remove-target --node-id {move.From.Node} --target-id {move.From.Id}\n");
        }

        var newChains = new ChainTable(migration.NewChains, migration.Final.Balance);
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = ThreeFSPodBuilder.Metadata(cluster, ThreeFSNames.ChainMigration(name), ThreeFSComponent.AdminCli),
            ["data"] = new JsonObject
            {
                ["add.txt"] = add.ToString(),
                ["remove.txt"] = remove.ToString(),
                ["new_targets.txt"] = ChainTableFiles.CreateTargetCommands(newChains),
                ["generated_chains.csv"] = ChainTableFiles.ChainsCsv(migration.Final),
                ["generated_chain_table.csv"] = ChainTableFiles.ChainTableCsv(migration.Final),
                ["create_target_cmd.txt"] = ChainTableFiles.CreateTargetCommands(migration.Final),
            },
        };
    }

    /// <summary>The scripts of the three Jobs: add, remove (after the added targets serve), create the new chains and upload the table.</summary>
    public static string Script(string phase, string clusterId) => phase switch
    {
        "add" => $"exec {ThreeFSJobBuilder.AdminCli} < {Directory}/add.txt",
        "remove" => $"exec {ThreeFSJobBuilder.AdminCli} < {Directory}/remove.txt",
        _ => $"{ThreeFSJobBuilder.AdminCli} < {Directory}/new_targets.txt && {ThreeFSJobBuilder.AdminCli} \"upload-chains {Directory}/generated_chains.csv\" && exec {ThreeFSJobBuilder.AdminCli} \"upload-chain-table --desc {clusterId} 1 {Directory}/generated_chain_table.csv\"",
    };
}
