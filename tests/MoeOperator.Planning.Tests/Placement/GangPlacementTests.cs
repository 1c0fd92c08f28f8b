using MoeOperator.Planning.Placement;

namespace MoeOperator.Planning.Tests.Placement;

public sealed class GangPlacementTests
{
    private static readonly string[] _keys = ["zone", "spine", "leaf"];

    // 8 nodes, 8 GPUs each: zone a = spine s0 {leaf l0: n0 n1, leaf l1: n2 n3}, zone b = spine s1 {leaf l2: n4 n5, leaf l3: n6 n7}.
    private static List<CandidateNode> Cluster(Func<int, int>? requested = null) =>
    [
        .. Enumerable.Range(0, 8).Select(i => new CandidateNode($"n{i}", new Dictionary<string, string>
        {
            ["zone"] = i < 4 ? "a" : "b",
            ["spine"] = i < 4 ? "s0" : "s1",
            ["leaf"] = $"l{i / 2}",
            ["gpu"] = "h200",
        }, AllocatableGpus: 8, RequestedGpus: requested?.Invoke(i) ?? 0) { AllocatableRdma = 8 }),
    ];

    private static PlacementRequest Group(int nodes) => new(Ranks: nodes * 8, RanksPerNode: 8, GpusPerNode: 8) { TopologyKeys = _keys };

    [Fact]
    public void TwoNodes_ShareOneLeaf()
    {
        var decision = GangPlacement.Place(Group(2), Cluster());

        decision.Fits.ShouldBeTrue();
        decision.Nodes.ShouldBe(["n0", "n1"]);
        decision.DomainsPerLevel.ShouldBe([1, 1, 1]);
    }

    [Fact]
    public void WhenALeafIsPartlyTaken_TheGroupMovesToAFreeLeafRatherThanSplitting()
    {
        var decision = GangPlacement.Place(Group(2), Cluster(i => i == 0 ? 8 : 0));

        decision.Nodes.ShouldBe(["n2", "n3"]);
        decision.DomainsPerLevel.ShouldBe([1, 1, 1]);
    }

    [Fact]
    public void AGroupLargerThanALeaf_StaysInOneZone_AndRanksFollowTheTopology()
    {
        var decision = GangPlacement.Place(Group(3), Cluster(i => i is 0 or 5 ? 8 : 0));

        // Zone a has n1 n2 n3 free (3), zone b has n4 n6 n7: both fit; zone a comes first by name at equal cost.
        decision.Nodes.ShouldBe(["n1", "n2", "n3"]);
        decision.DomainsPerLevel.ShouldBe([1, 1, 2]);
    }

    [Fact]
    public void TheNarrowestFittingDomain_IsPreferred_OverAnEqualCostLargerOne()
    {
        // Leaf l0 has one free node, leaf l2 has two: a 1-node group goes to the smaller leaf, keeping l2 whole.
        var nodes = Cluster(i => i is 1 or 2 or 3 or 6 or 7 ? 8 : 0);

        GangPlacement.Place(Group(1), nodes).Nodes.ShouldBe(["n0"]);
    }

    [Fact]
    public void AGroupSpanningZones_UsesAsFewAsPossible()
    {
        var decision = GangPlacement.Place(Group(6), Cluster());

        decision.Fits.ShouldBeTrue();
        decision.DomainsPerLevel[0].ShouldBe(2);
        decision.Nodes.Take(4).ShouldBe(["n0", "n1", "n2", "n3"], "zone a whole, in topology order");
        decision.Nodes.Skip(4).ShouldBe(["n4", "n5"], "the rest on one leaf of zone b");
    }

    [Fact]
    public void SelectorsTaintsAndBusyNodes_AreCountedInTheReason()
    {
        var nodes = Cluster(i => i == 7 ? 4 : 0);
        nodes[0] = nodes[0] with { Labels = new Dictionary<string, string>(nodes[0].Labels) { ["gpu"] = "h100" } };
        nodes[1] = nodes[1] with { Taints = [new NodeTaint("maintenance", "true", "NoSchedule")] };
        nodes[2] = nodes[2] with { Ready = false };
        var request = Group(6) with { NodeSelector = new Dictionary<string, string> { ["gpu"] = "h200" } };

        var decision = GangPlacement.Place(request, nodes);

        decision.Fits.ShouldBeFalse();
        decision.Nodes.ShouldBeEmpty();
        decision.Reason.ShouldBe("needs 6 nodes with 8 free GPUs each; 4 of 8 qualify: 1 not matching the node selector, 1 not ready, 1 with fewer than 8 free GPUs, 1 with the untolerated taint maintenance=true:NoSchedule");

        var tolerant = request with { Tolerations = [new GroupToleration("maintenance", "Exists", null, null)] };
        GangPlacement.Place(tolerant with { Ranks = 40 }, nodes).Nodes.Count.ShouldBe(5);
    }

    [Fact]
    public void RanksThatDoNotFillWholeNodes_AreRefused()
    {
        var error = Should.Throw<ArgumentException>(() => GangPlacement.Place(new PlacementRequest(12, 8, 8), Cluster()));

        error.Message.ShouldStartWith("ranks (12) must be a positive multiple of ranksPerNode (8)");
    }

    [Fact]
    public void RdmaRequirements_AreChecked()
    {
        var nodes = Cluster();
        nodes[3] = nodes[3] with { AllocatableRdma = 0 };

        var decision = GangPlacement.Place(Group(8) with { RdmaPerNode = 1 }, nodes);

        decision.Reason!.ShouldEndWith("7 of 8 qualify: 1 with fewer than 1 free RDMA devices");
    }
}
