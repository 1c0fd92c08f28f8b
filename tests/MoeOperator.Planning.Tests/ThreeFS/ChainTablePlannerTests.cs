using MoeOperator.Planning.ThreeFS;

namespace MoeOperator.Planning.Tests.ThreeFS;

/// <summary>
/// The chain-table planner's properties, each counted here from the chains themselves (not from the planner's own
/// balance report), for sizes from the dev sample to upstream's five-node example.
/// </summary>
public sealed class ChainTablePlannerTests
{
    public static TheoryData<int, int, int, int> Sizes => new()
    {
        { 3, 2, 8, 3 },   // the dev sample
        { 4, 8, 6, 3 },   // the production sample
        { 5, 16, 6, 3 },  // upstream's deploy guide
        { 6, 2, 4, 3 },   // the dev sample scaled out
        { 7, 3, 3, 3 },   // a Fano plane per disk exists
        { 4, 2, 3, 2 },
        { 10, 4, 6, 3 },
        { 3, 1, 5, 1 },
        { 12, 2, 5, 3 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Chains_HaveReplicasOnDistinctNodes_OfOneDisk_AndEveryDiskHoldsItsTargets(int nodes, int disks, int targetsPerDisk, int replication)
    {
        var table = ChainTablePlanner.Plan(ChainTableRequest.ForNodes(nodes, disks, targetsPerDisk, replication));

        table.Chains.Count.ShouldBe(nodes * disks * targetsPerDisk / replication);
        table.Chains.Select(c => c.Id).ShouldBeUnique();
        foreach (var chain in table.Chains)
        {
            chain.Targets.Count.ShouldBe(replication);
            chain.Targets.Select(t => t.Node).ShouldBeUnique($"chain {chain.Id} has two replicas on one node");
            chain.Targets.Select(t => t.Disk).Distinct().ShouldHaveSingleItem();
            // Upstream's chain id carries the disk: (prefix * 1000 + disk + 1) * 10^5 + index.
            ((int)(chain.Id / 100_000 % 1000) - 1).ShouldBe(chain.Targets[0].Disk);
        }

        var targets = table.Chains.SelectMany(c => c.Targets).ToList();
        targets.Select(t => t.Id).ShouldBeUnique();
        foreach (var group in targets.GroupBy(t => (t.Node, t.Disk)))
        {
            // Every disk of every node carries targetsPerDisk targets, numbered 1..T in the id's last two digits.
            group.Select(t => (int)(t.Id % 100)).Order().ShouldBe(Enumerable.Range(1, targetsPerDisk));
            group.ShouldAllBe(t => t.Id / 100_000 % 1_000_000 == t.Node && t.Id / 100 % 1000 == t.Disk + 1);
        }

        targets.GroupBy(t => (t.Node, t.Disk)).Count().ShouldBe(nodes * disks);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void EveryPairOfNodes_SharesAsEvenANumberOfChainsAsPossible_AndHeadsAreSpread(int nodes, int disks, int targetsPerDisk, int replication)
    {
        var table = ChainTablePlanner.Plan(ChainTableRequest.ForNodes(nodes, disks, targetsPerDisk, replication));

        var shared = new Dictionary<(int, int), int>();
        var ids = table.Chains.SelectMany(c => c.Targets).Select(t => t.Node).Distinct().Order().ToList();
        foreach (var a in ids)
        {
            foreach (var b in ids.Where(b => b > a))
            {
                shared[(a, b)] = 0;
            }
        }

        foreach (var chain in table.Chains)
        {
            var members = chain.Targets.Select(t => t.Node).Order().ToList();
            for (var i = 0; i < members.Count; i++)
            {
                for (var j = i + 1; j < members.Count; j++)
                {
                    shared[(members[i], members[j])]++;
                }
            }
        }

        var heads = table.Chains.GroupBy(c => c.Targets[0].Node).ToDictionary(g => g.Key, g => g.Count());
        if (shared.Count > 0)
        {
            (shared.Values.Max() - shared.Values.Min()).ShouldBeLessThanOrEqualTo(1, "pair counts differ by at most one");
            table.Balance.MinChainsPerNodePair.ShouldBe(shared.Values.Min());
            table.Balance.MaxChainsPerNodePair.ShouldBe(shared.Values.Max());
        }

        heads.Count.ShouldBe(nodes, "every node leads some chains");
        (heads.Values.Max() - heads.Values.Min()).ShouldBeLessThanOrEqualTo(1, "heads differ by at most one chain per node");
        table.Balance.HeadSpread.ShouldBe(heads.Values.Max() - heads.Values.Min());
    }

    [Fact]
    public void Ids_FollowUpstreamNumbering()
    {
        var table = ChainTablePlanner.Plan(ChainTableRequest.ForNodes(5, 16, 6, 3));

        table.Chains[0].Id.ShouldBe(900100001);
        table.Chains[1].Id.ShouldBe(900200001, "the table alternates disks, so a stripe spreads over them");
        table.Chains.SelectMany(c => c.Targets).Select(t => t.Id).ShouldContain(101000100101);
        table.Chains.SelectMany(c => c.Targets).Select(t => t.Id).ShouldContain(101000501606, "node 10005, disk 16, target 6");
        ThreeFSIds.NodeOfTarget(101000501606).ShouldBe(10005);
        ThreeFSIds.DiskOfTarget(101000501606).ShouldBe(15);
    }

    [Fact]
    public void ThePlan_IsDeterministic()
    {
        var request = ChainTableRequest.ForNodes(10, 4, 6, 3);

        var first = ChainTablePlanner.Plan(request);
        var second = ChainTablePlanner.Plan(request);

        second.Chains.Select(c => string.Join(',', c.Targets.Select(t => t.Id)))
            .ShouldBe(first.Chains.Select(c => string.Join(',', c.Targets.Select(t => t.Id))));
    }

    [Theory]
    [InlineData(2, 2, 4, 3, null, "replication factor 3 needs at least 3 storage nodes, one per replica of a chain; got 2")]
    [InlineData(4, 2, 4, 3, null, "nodes x targets per disk (4 x 4 = 16) must be a multiple of the replication factor (3): every disk index holds whole chains; for example 6 targets per disk")]
    [InlineData(3, 2, 100, 3, null, "targets per disk (100) must be between 1 and 99")]
    [InlineData(3, 0, 4, 3, null, "disks per node (0) must be between 1 and 999")]
    [InlineData(3, 1, 1, 3, 2, "stripe size 2 must be between 1 and the 1 chains in the table")]
    [InlineData(0, 1, 1, 1, null, "at least one storage node")]
    public void ImpossibleRequests_SayWhatToChange(int nodes, int disks, int targetsPerDisk, int replication, int? stripe, string message)
    {
        var request = ChainTableRequest.ForNodes(nodes, disks, targetsPerDisk, replication) with { StripeSize = stripe };

        Should.Throw<ChainTablePlanException>(() => ChainTablePlanner.Plan(request)).Message.ShouldContain(message);
    }

    [Fact]
    public void NodeIds_MayBeAnyDistinctIds_AsAfterAScaleOut()
    {
        var request = new ChainTableRequest([10001, 10002, 10004, 10007], 1, 3, 2);

        var table = ChainTablePlanner.Plan(request);

        table.Chains.SelectMany(c => c.Targets).Select(t => t.Node).Distinct().Order().ShouldBe([10001, 10002, 10004, 10007]);
        Should.Throw<ChainTablePlanException>(() => ChainTablePlanner.Plan(request with { NodeIds = [10001, 10001] }))
            .Message.ShouldContain("distinct");
    }
}
