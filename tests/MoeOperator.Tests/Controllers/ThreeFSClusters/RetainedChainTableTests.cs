using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.Controllers.ThreeFSClusters.AdminCli;
using MoeOperator.Planning.ThreeFS;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

public sealed class RetainedChainTableTests
{
    private static readonly int[] _nodes = [10001, 10002, 10003];

    private static ChainTable Plan(int[]? nodes = null, int disks = 2, int replication = 3) =>
        ChainTablePlanner.Plan(new ChainTableRequest(nodes ?? _nodes, DisksPerNode: disks, TargetsPerDisk: 2, ReplicationFactor: replication));

    // What admin_cli would list for a table: every chain with its targets, every target on its node and disk.
    private static (List<AdminCliChain> Chains, List<AdminCliTarget> Targets) Held(ChainTable table) =>
        ([.. table.Chains.Select(c => new AdminCliChain(c.Id, 1, "SERVING", [.. c.Targets.Select(t => new ChainReplica(t.Id, "SERVING", "UPTODATE"))]))],
         [.. table.Chains.SelectMany(c => c.Targets.Select(t => new AdminCliTarget(t.Id, c.Id, "HEAD", "SERVING", "UPTODATE", t.Node, t.Disk)))]);

    [Fact]
    public void NothingHeld_IsEmpty_SoTheTableStepsRun()
    {
        RetainedChainTable.Verify(Plan(), [], [], 3, _nodes, 2).Verdict.ShouldBe(RetainedTableVerdict.Empty);
    }

    [Fact]
    public void ThePlannedTable_IsAsPlanned_WhateverTheReplicaOrder()
    {
        var (chains, targets) = Held(Plan());
        chains[0] = chains[0] with { Replicas = [.. chains[0].Replicas.Reverse()] };

        var check = RetainedChainTable.Verify(Plan(), chains, targets, 3, _nodes, 2);

        check.Verdict.ShouldBe(RetainedTableVerdict.AsPlanned);
        check.Message.ShouldBe($"{chains.Count} chains and {targets.Count} targets, as planned");
    }

    [Fact]
    public void ATableThatIsNotThePlanButFitsTheSpec_IsKept()
    {
        var (chains, targets) = Held(Plan());
        chains.RemoveAt(chains.Count - 1);

        RetainedChainTable.Verify(Plan(), chains, targets, 3, _nodes, 2).Verdict.ShouldBe(RetainedTableVerdict.FitsTheSpec);
    }

    [Fact]
    public void ATargetOnANodeOrDiskTheClusterDoesNotHave_IsAMismatchNamingIt()
    {
        // Kept from a cluster of 3 nodes x 2 disks; the spec now plans 1 disk, or another third node.
        var (chains, targets) = Held(Plan());

        var fewerDisks = RetainedChainTable.Verify(Plan(disks: 1), chains, targets, 3, _nodes, 1);
        var fewerNodes = RetainedChainTable.Verify(Plan(nodes: [10001, 10002, 10004]), chains, targets, 3, [10001, 10002, 10004], 2);

        fewerDisks.Verdict.ShouldBe(RetainedTableVerdict.Mismatch);
        fewerDisks.Message.ShouldContain("disk 1, but this cluster has storage nodes 10001, 10002, 10003 with 1 disks each");
        fewerNodes.Verdict.ShouldBe(RetainedTableVerdict.Mismatch);
        fewerNodes.Message.ShouldContain("is on storage node 10003");
    }

    [Fact]
    public void AChainWithAnotherReplicationFactor_IsAMismatch()
    {
        var (chains, targets) = Held(Plan());

        var check = RetainedChainTable.Verify(Plan(replication: 2), chains, targets, 2, _nodes, 2);

        check.Verdict.ShouldBe(RetainedTableVerdict.Mismatch);
        check.Message.ShouldContain("spec.storage.replicationFactor is 2");
    }
}
