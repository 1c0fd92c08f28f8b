using MoeOperator.Planning.ThreeFS;

namespace MoeOperator.Planning.Tests.ThreeFS;

/// <summary>Growing a chain table onto new storage nodes, checked from the plan's chains and moves themselves.</summary>
public sealed class ChainMigrationPlannerTests
{
    public static TheoryData<int, int, int, int, int> Growths => new()
    {
        { 4, 6, 2, 3, 3 },   // the scale-out test on the dev cluster
        { 3, 5, 2, 6, 3 },
        { 5, 8, 4, 6, 3 },
        { 2, 3, 1, 4, 2 },
    };

    [Theory]
    [MemberData(nameof(Growths))]
    public void TheGrownTable_KeepsOldChainsAndTargets_CutsEveryDiskEvenly_AndIsBalanced(int before, int after, int disks, int targets, int replication)
    {
        var current = ChainTablePlanner.Plan(ChainTableRequest.ForNodes(before, disks, targets, replication));

        var migration = ChainMigrationPlanner.Plan(current, ChainTableRequest.ForNodes(after, disks, targets, replication));

        var final = migration.Final.Chains;
        final.Count.ShouldBe(after * disks * targets / replication);
        final.Select(c => c.Id).ShouldBeUnique();
        current.Chains.Select(c => c.Id).ShouldBeSubsetOf(final.Select(c => c.Id), "existing chains keep their ids");
        migration.NewChains.Count.ShouldBe(final.Count - current.Chains.Count);
        foreach (var chain in final)
        {
            chain.Targets.Select(t => t.Node).ShouldBeUnique();
            chain.Targets.Count.ShouldBe(replication);
            chain.Targets.Select(t => t.Disk).Distinct().ShouldHaveSingleItem();
        }

        var all = final.SelectMany(c => c.Targets).ToList();
        all.Select(t => t.Id).ShouldBeUnique();
        all.GroupBy(t => (t.Node, t.Disk)).Count().ShouldBe(after * disks);
        all.GroupBy(t => (t.Node, t.Disk)).ShouldAllBe(g => g.Count() == targets);
        var pairs = PairCounts(final, Enumerable.Range(0, after).Select(ThreeFSIds.StorageNodeId).ToList());
        (pairs.Max() - pairs.Min()).ShouldBeLessThanOrEqualTo(1, "the grown table is as balanced as a fresh one");
    }

    [Theory]
    [MemberData(nameof(Growths))]
    public void Moves_TakeAReplicaOfAnExistingChainToANewTarget_AndTheRestStays(int before, int after, int disks, int targets, int replication)
    {
        var current = ChainTablePlanner.Plan(ChainTableRequest.ForNodes(before, disks, targets, replication));

        var migration = ChainMigrationPlanner.Plan(current, ChainTableRequest.ForNodes(after, disks, targets, replication));

        var final = migration.Final.Chains.ToDictionary(c => c.Id);
        foreach (var chain in current.Chains)
        {
            var moved = migration.Moves.Where(m => m.ChainId == chain.Id).ToList();
            var expected = chain.Targets.Where(t => moved.All(m => m.From != t)).Concat(moved.Select(m => m.To)).Select(t => t.Id).Order();
            final[chain.Id].Targets.Select(t => t.Id).Order().ShouldBe(expected);
        }

        migration.Moves.ShouldAllBe(m => m.From.Disk == m.To.Disk && m.From.Node != m.To.Node);
        var oldIds = current.Chains.SelectMany(c => c.Targets).Select(t => t.Id).ToHashSet();
        migration.Moves.ShouldAllBe(m => !oldIds.Contains(m.To.Id), "a new target never reuses an id");
        migration.Moves.Count.ShouldBeLessThan(current.Chains.Count * replication, "most replicas stay where they are");
    }

    [Fact]
    public void DroppingANode_IsNotAGrowth()
    {
        var current = ChainTablePlanner.Plan(ChainTableRequest.ForNodes(4, 1, 3, 3));

        Should.Throw<ChainTablePlanException>(() => ChainMigrationPlanner.Plan(current, new ChainTableRequest([10001, 10002, 10003, 10005, 10006, 10007], 1, 3, 3)))
            .Message.ShouldContain("missing 10004");
    }

    private static List<int> PairCounts(IEnumerable<Chain> chains, List<int> nodes)
    {
        var counts = new List<int>();
        foreach (var a in nodes)
        {
            foreach (var b in nodes.Where(b => b > a))
            {
                counts.Add(chains.Count(c => c.Targets.Any(t => t.Node == a) && c.Targets.Any(t => t.Node == b)));
            }
        }

        return counts;
    }
}
