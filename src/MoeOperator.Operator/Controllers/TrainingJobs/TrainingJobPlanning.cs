using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Planning.Pipeline;
using MoeOperator.Planning.Placement;

namespace MoeOperator.Controllers.TrainingJobs;

/// <summary>Pure planning for a TrainingJob: its schedule's expected bubble and its gang's placement request.</summary>
internal static class TrainingJobPlanning
{
    /// <summary>The node of each rank, from the planner's nodes in order.</summary>
    public static List<string> RankNodes(TrainingJobSpec spec, IReadOnlyList<string> nodes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return [.. Enumerable.Range(0, TrainingJobBuilder.WorldSize(spec)).Select(rank => nodes[rank / spec.RanksPerNode])];
    }

    public static PipelineVariant Variant(PipelineSchedule schedule) => schedule switch
    {
        PipelineSchedule.DualPipe => PipelineVariant.DualPipe,
        PipelineSchedule.DualPipeV => PipelineVariant.DualPipeV,
        _ => PipelineVariant.OneFOneB,
    };

    /// <summary>The share of a step the schedule leaves idle, simulated with F = 1, B = 2, W = 1 (as `moe plan dualpipe` prints it).</summary>
    public static double? ExpectedBubble(TrainingJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var variant = Variant(spec.Parallelism.Schedule);
        var (ranks, chunks) = (spec.Parallelism.Pipeline, TrainingJobConfig.MicroBatches(spec.Parallelism));
        if (PipelineScheduler.Problem(variant, ranks, chunks) is not null)
        {
            return null;
        }

        var timeline = PipelineSimulation.Run(PipelineScheduler.Plan(variant, ranks, chunks), variant == PipelineVariant.DualPipeV ? 2 * ranks : ranks, new PipelineCosts());
        return Math.Round(timeline.Bubble / timeline.Makespan, 4);
    }

    /// <summary>
    /// spec.ranksPerNode ranks per node, packed onto the topology; the planner orders nodes by topology, and rank r
    /// goes to node r / ranksPerNode, so a data replica's pipeline stages (consecutive ranks) share the narrowest domains.
    /// </summary>
    public static PlacementRequest Request(TrainingJobSpec spec, IReadOnlyDictionary<string, string>? requiredLabels)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var keys = spec.Placement.TopologyKeys is { Count: > 0 } own ? own : PlacementInputs.DefaultTopologyKeys;
        return new PlacementRequest(TrainingJobBuilder.WorldSize(spec), spec.RanksPerNode, spec.RanksPerNode * spec.GpusPerRank)
        {
            TopologyKeys = keys,
            NodeSelector = (spec.Placement.NodeSelector ?? []).Concat(requiredLabels ?? new Dictionary<string, string>()).DistinctBy(l => l.Key).ToDictionary(),
            Tolerations = [.. (spec.Placement.Tolerations ?? []).Select(t => new GroupToleration(t.Key, t.Operator.ToString(), t.Value, t.Effect?.ToString()))],
        };
    }
}
