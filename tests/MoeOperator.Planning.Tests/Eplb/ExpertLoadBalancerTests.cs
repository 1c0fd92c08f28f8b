using MoeOperator.Planning.Eplb;

namespace MoeOperator.Planning.Tests.Eplb;

public sealed class ExpertLoadBalancerTests
{
    // The worked example of deepseek-ai/EPLB's README: 2 layers of 12 experts in 4 groups, 16 slots on 2 nodes x 4 GPUs.
    private static readonly double[][] _readmeLoads =
    [
        [90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86],
        [20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27],
    ];

    [Fact]
    public void Hierarchical_MatchesTheUpstreamReadmeExample()
    {
        var plan = ExpertLoadBalancer.Rebalance(_readmeLoads, slots: 16, groups: 4, nodes: 2, gpus: 8);

        plan.PhysicalToLogical[0].ShouldBe([5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1]);
        plan.PhysicalToLogical[1].ShouldBe([7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1]);
    }

    [Fact]
    public void Tables_AreConsistent_EverySlotListedOnceUnderItsExpert()
    {
        var plan = ExpertLoadBalancer.Rebalance(_readmeLoads, slots: 16, groups: 4, nodes: 2, gpus: 8);

        for (var layer = 0; layer < 2; layer++)
        {
            plan.ReplicaCounts[layer].Sum().ShouldBe(16);
            for (var expert = 0; expert < 12; expert++)
            {
                var slots = plan.LogicalToPhysical[layer][expert].Where(s => s >= 0).ToList();
                slots.Count.ShouldBe(plan.ReplicaCounts[layer][expert]);
                slots.ShouldAllBe(s => plan.PhysicalToLogical[layer][s] == expert);
            }
        }

        // The hottest expert of layer 0 (id 10, load 183) and of layer 1 (id 5, load 197) get a second replica.
        plan.ReplicaCounts[0][10].ShouldBe(2);
        plan.ReplicaCounts[1][5].ShouldBe(2);
    }

    [Fact]
    public void Global_WorkedByHand()
    {
        // 4 experts, 6 slots, 2 GPUs; one group cannot be split among 2 nodes -> global policy.
        // Replication: loads 10, 6, 3, 1 -> slot 4 copies expert 0 (10/1), slot 5 copies expert 1 (6/1 > 10/2 = 5).
        // Replica loads: e0 5, e1 3, e2 3, e3 1, e0' 5, e1' 3 -> descending 5(s0) 5(s4) 3(s1) 3(s2) 3(s5) 1(s3):
        // GPU0 <- s0 (5), GPU1 <- s4 (5), GPU0 <- s1 (8), GPU1 <- s2 (8), GPU0 <- s5 (11), GPU1 <- s3 (9).
        var plan = ExpertLoadBalancer.Rebalance([[10, 6, 3, 1]], slots: 6, groups: 1, nodes: 2, gpus: 2);

        plan.PhysicalToLogical[0].ShouldBe([0, 1, 1, 0, 2, 3]);
        plan.ReplicaCounts[0].ShouldBe([2, 2, 1, 1]);
        plan.LogicalToPhysical[0][0].ShouldBe([0, 3]);
        plan.LogicalToPhysical[0][2].ShouldBe([4, -1]);
        var loads = ExpertLoadBalancer.GpuLoads([10, 6, 3, 1], plan.PhysicalToLogical[0], plan.ReplicaCounts[0], gpus: 2);
        loads.ShouldBe([11, 9]);
        ExpertLoadBalancer.Imbalance(loads).ShouldBe(1.1, tolerance: 1e-12);
    }

    [Fact]
    public void BalancedPacking_FillsTheLightestPackWithRoom()
    {
        // 9, 7, 6, 5, 2, 1 into 2 packs of 3: 9->A, 7->B, 6->B (13), 5->A (14), 2->B (15), 1->A (15).
        var (pack, rank) = BalancedPacking.Pack([9, 7, 6, 5, 2, 1], 2);

        pack.ShouldBe([0, 1, 1, 0, 1, 0]);
        rank.ShouldBe([0, 0, 1, 1, 2, 2]);
    }

    [Fact]
    public void Replication_BreaksTiesTowardsTheLowestExpert()
    {
        var (expert, replica, replicas) = ExpertReplication.Replicate([4, 4, 1], 5);

        expert.ShouldBe([0, 1, 2, 0, 1]);
        replica.ShouldBe([0, 0, 0, 1, 1]);
        replicas.ShouldBe([2, 2, 1]);
    }

    [Fact]
    public void Rebalancing_LowersTheImbalanceOfSkewedLoads()
    {
        var zipf = Enumerable.Range(1, 16).Select(rank => 1000.0 / rank).ToArray();
        var naive = ExpertLoadBalancer.GpuLoads(zipf, [.. Enumerable.Range(0, 16)], [.. Enumerable.Repeat(1, 16)], gpus: 4);

        var plan = ExpertLoadBalancer.Rebalance([zipf], slots: 20, groups: 4, nodes: 1, gpus: 4);
        var balanced = ExpertLoadBalancer.GpuLoads(zipf, plan.PhysicalToLogical[0], plan.ReplicaCounts[0], gpus: 4);

        ExpertLoadBalancer.Imbalance(balanced).ShouldBeLessThan(ExpertLoadBalancer.Imbalance(naive));
        balanced.Sum().ShouldBe(zipf.Sum(), tolerance: 1e-9);
    }

    [Theory]
    [InlineData(12, 16, 5, 2, 8, "groups", "experts (12) must be divisible by groups (5)")]
    [InlineData(12, 16, 4, 3, 8, "gpus", "gpus (8) must be divisible by nodes (3)")]
    [InlineData(12, 18, 4, 2, 8, "slots", "replicas (18) must be divisible by gpus (8)")]
    [InlineData(12, 8, 4, 2, 8, "slots", "replicas (8) must be at least the number of experts (12)")]
    [InlineData(12, 16, 4, 2, 0, "gpus", "gpus (0) must be positive")]
    public void Preconditions_AreRefusedWithTheParameterAndTheRule(int experts, int slots, int groups, int nodes, int gpus, string parameter, string message)
    {
        var loads = new[] { Enumerable.Repeat(1.0, experts).ToArray() };

        var error = Should.Throw<ArgumentException>(() => ExpertLoadBalancer.Rebalance(loads, slots, groups, nodes, gpus));

        error.ParamName.ShouldBe(parameter);
        error.Message.ShouldStartWith(message);
    }
}
