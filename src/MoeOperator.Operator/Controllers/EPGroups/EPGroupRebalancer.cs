using MoeOperator.Api.V1Alpha1;
using MoeOperator.Contract;
using MoeOperator.Planning.Eplb;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>
/// The EPLB control loop's decision, pure: from the expert load the ranks reported against the current map, the
/// GPU imbalance (max/mean) now and what EPLB's plan for that load would give; rebalance when the current imbalance
/// exceeds the spec's threshold and the new plan removes a worthwhile part of the excess over a perfect balance.
/// </summary>
internal static class EPGroupRebalancer
{
    /// <summary>
    /// Part of the excess imbalance (max/mean - 1) a new map must remove: every switch moves expert weights and pauses
    /// the ranks, so a plan that is only marginally better (often just noise in the counts) is not worth publishing.
    /// </summary>
    public const double MinImprovement = 0.1;

    /// <summary>What to publish, or null when the group stays as it is.</summary>
    public static (EplbPlan Plan, double Before, double After)? Decide(EPGroupSpec spec, ExpertMapDocument current, IReadOnlyList<double> load)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(current);
        var before = ExpertLoadBalancer.Imbalance(ExpertLoadBalancer.GpuLoads(load, current.PhysicalToLogical, current.ReplicaCounts, spec.Ranks));
        if (before <= spec.Eplb.MinImbalance)
        {
            return null;
        }

        var plan = ExpertMapBuilder.Plan(spec, load);
        var after = ExpertLoadBalancer.Imbalance(ExpertLoadBalancer.GpuLoads(load, plan.PhysicalToLogical[0], plan.ReplicaCounts[0], spec.Ranks));
        return after < before - (MinImprovement * (before - 1)) ? (plan, before, after) : null;
    }
}
