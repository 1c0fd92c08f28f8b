using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Contract;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Planning.Eplb;

namespace MoeOperator.Tests.Controllers.EPGroups;

public sealed class EPGroupRebalancerTests
{
    private static readonly EPGroupSpec _spec = new()
    {
        Ranks = 4,
        RanksPerNode = 2,
        Image = "w",
        Model = new EPModelSpec { Experts = 8, ExpertGroups = 4, TopkGroups = 2, Topk = 2, HiddenSize = 256 },
    };

    // Identity map: rank r holds experts 2r and 2r+1.
    private static readonly ExpertMapDocument _identity = new(1, 2, [0, 1, 2, 3, 4, 5, 6, 7], [1, 1, 1, 1, 1, 1, 1, 1]);

    [Fact]
    public void BalancedLoad_StaysPut()
    {
        EPGroupRebalancer.Decide(_spec, _identity, [10, 10, 10, 10, 10, 10, 10, 10]).ShouldBeNull();
    }

    [Fact]
    public void SkewedLoad_GetsAPlanThatLowersTheMaxOverMeanGpuLoad()
    {
        // Experts 0 and 1 (both on rank 0) take most tokens: rank 0 carries 100 of 130 -> imbalance 100 / 32.5.
        double[] load = [60, 40, 5, 5, 5, 5, 5, 5];

        var decision = EPGroupRebalancer.Decide(_spec, _identity, load).ShouldNotBeNull();

        decision.Before.ShouldBe(100 / 32.5, tolerance: 1e-9);
        decision.After.ShouldBeLessThan(decision.Before);
        var gpu = ExpertLoadBalancer.GpuLoads(load, decision.Plan.PhysicalToLogical[0], decision.Plan.ReplicaCounts[0], 4);
        ExpertLoadBalancer.Imbalance(gpu).ShouldBe(decision.After, tolerance: 1e-12);
    }

    [Fact]
    public void Reports_CountOnlyThoseMadeAgainstTheCurrentMap()
    {
        JsonObject Pod(string annotation) => new() { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [ExpertLoadReport.Annotation] = annotation } } };
        var pods = new[]
        {
            Pod(new ExpertLoadReport(2, [1, 2, 3]).Format()),
            Pod(new ExpertLoadReport(2, [10, 20, 30]).Format()),
            Pod(new ExpertLoadReport(1, [100, 100, 100]).Format()),
            Pod("not json"),
            new JsonObject { ["metadata"] = new JsonObject() },
        };

        ExpertLoadReports.Sum(pods, version: 2, experts: 3).ShouldBe([11, 22, 33]);
        ExpertLoadReports.Sum(pods, version: 3, experts: 3).ShouldBeNull();
    }
}
