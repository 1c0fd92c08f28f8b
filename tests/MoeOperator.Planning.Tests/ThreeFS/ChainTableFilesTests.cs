using MoeOperator.Planning.ThreeFS;

namespace MoeOperator.Planning.Tests.ThreeFS;

/// <summary>The chain table in the formats upstream's tools write and admin_cli reads (deploy guide, add-storage-nodes guide).</summary>
public sealed class ChainTableFilesTests
{
    private static readonly ChainTable _table = new(
        [
            new Chain(900100001, [new ChainTarget(101000100101, 10001, 0), new ChainTarget(101000200101, 10002, 0)]),
            new Chain(900100002, [new ChainTarget(101000100102, 10001, 0), new ChainTarget(101000300101, 10003, 0)]),
        ],
        new ChainTableBalance(0, 1, 0, 2));

    [Fact]
    public void CreateTargetCommands_AreOnePerTarget_AsAdminCliReadsThem()
    {
        ChainTableFiles.CreateTargetCommands(_table).ShouldBe(
            "create-target --node-id 10001 --disk-index 0 --target-id 101000100101 --chain-id 900100001 --use-new-chunk-engine\n" +
            "create-target --node-id 10002 --disk-index 0 --target-id 101000200101 --chain-id 900100001 --use-new-chunk-engine\n" +
            "create-target --node-id 10001 --disk-index 0 --target-id 101000100102 --chain-id 900100002 --use-new-chunk-engine\n" +
            "create-target --node-id 10003 --disk-index 0 --target-id 101000300101 --chain-id 900100002 --use-new-chunk-engine\n");
    }

    [Fact]
    public void ChainsAndChainTable_AreTheUploadCsvFiles()
    {
        ChainTableFiles.ChainsCsv(_table).ShouldBe("ChainId,TargetId,TargetId\n900100001,101000100101,101000200101\n900100002,101000100102,101000300101\n");
        ChainTableFiles.ChainTableCsv(_table).ShouldBe("ChainId\n900100001\n900100002\n");
    }

    [Fact]
    public void APlannedTable_ListsEveryTargetOnce()
    {
        var table = ChainTablePlanner.Plan(ChainTableRequest.ForNodes(3, 2, 8, 3));

        var commands = ChainTableFiles.CreateTargetCommands(table).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        commands.Length.ShouldBe(3 * 2 * 8);
        commands.Select(c => c.Split(' ')[6]).ShouldBeUnique();
        ChainTableFiles.ChainTableCsv(table).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(1 + table.Chains.Count);
    }

    [Fact]
    public void ATableReadBack_HasTheSameChainsTargetsNodesAndDisks()
    {
        var table = ChainTablePlanner.Plan(ChainTableRequest.ForNodes(4, 2, 3, 3));

        var read = ChainTableFiles.Parse(ChainTableFiles.ChainsCsv(table), ChainTableFiles.ChainTableCsv(table));

        read.Chains.Select(c => (c.Id, string.Join(',', c.Targets.Select(t => (t.Id, t.Node, t.Disk)))))
            .ShouldBe(table.Chains.Select(c => (c.Id, string.Join(',', c.Targets.Select(t => (t.Id, t.Node, t.Disk))))));
    }
}
