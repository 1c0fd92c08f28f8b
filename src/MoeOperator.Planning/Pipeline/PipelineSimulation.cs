using System.Globalization;

namespace MoeOperator.Planning.Pipeline;

/// <summary>Op costs for the simulation, in any one unit: forward, full backward, weight gradient, overlapped pair.</summary>
public sealed record PipelineCosts(double F = 1, double B = 2, double W = 1, double? FB = null)
{
    /// <summary>An overlapped forward and backward; without a measurement, as long as both in turn.</summary>
    public double ForwardBackward => FB ?? (F + B);

    /// <summary>What one op costs: a zero-bubble backward leaves its weight gradient to a later W.</summary>
    public double Of(PipelineOp op) => op.Kind switch
    {
        PipelineOpKind.F => F,
        PipelineOpKind.B => op.ZeroBubble ? B - W : B,
        PipelineOpKind.W => W,
        _ => ForwardBackward,
    };
}

/// <summary>How a schedule runs: when the step ends, and how long each rank waits (its bubble).</summary>
public sealed record PipelineTimeline(double Makespan, IReadOnlyList<double> Busy)
{
    /// <summary>The longest a rank waits during the step.</summary>
    public double Bubble => Busy.Max(b => Makespan - b);
}

/// <summary>
/// Runs the ranks' op lists against each other: an op starts when its rank is free and what it needs is done (a
/// forward needs the previous stage's forward of its micro-batch; a backward its own forward and the next stage's
/// backward), communication free. The bubble it measures sits next to the DualPipe README's closed forms.
/// </summary>
public static class PipelineSimulation
{
    public static PipelineTimeline Run(IReadOnlyList<IReadOnlyList<PipelineOp>> schedule, int stages, PipelineCosts costs)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(costs);
        var done = new Dictionary<(PipelineOpKind, int Stage, int Direction, int Microbatch), double>();
        var free = new double[schedule.Count];
        var busy = new double[schedule.Count];
        var next = new int[schedule.Count];
        var remaining = schedule.Sum(r => r.Count);
        while (remaining > 0)
        {
            var progressed = false;
            for (var rank = 0; rank < schedule.Count; rank++)
            {
                while (next[rank] < schedule[rank].Count && Ready(schedule[rank][next[rank]], stages, done) is { } ready)
                {
                    var op = schedule[rank][next[rank]];
                    var end = Math.Max(free[rank], ready) + costs.Of(op);
                    foreach (var part in op.Kind == PipelineOpKind.FB ? [op.Forward!, op.Backward!] : new[] { op })
                    {
                        done[(part.Kind, part.Stage, part.Direction, part.Microbatch)] = end;
                    }

                    (free[rank], busy[rank], next[rank], remaining, progressed) = (end, busy[rank] + costs.Of(op), next[rank] + 1, remaining - 1, true);
                }
            }

            if (!progressed)
            {
                throw new InvalidOperationException($"the schedule deadlocks: {string.Join("; ", Enumerable.Range(0, schedule.Count).Where(r => next[r] < schedule[r].Count).Select(r => $"rank {r} waits at {schedule[r][next[r]]}"))}");
            }
        }

        return new PipelineTimeline(free.Max(), busy);
    }

    /// <summary>The DualPipe README's bubble for the variant: 1F1B (PP-1)(F+B); DualPipe and DualPipeV (PP/2-1)(F&amp;B+B-3W), PP the ranks DualPipe would use.</summary>
    public static double Formula(PipelineVariant variant, int ranks, PipelineCosts costs)
    {
        ArgumentNullException.ThrowIfNull(costs);
        return variant switch
        {
            PipelineVariant.OneFOneB => (ranks - 1) * (costs.F + costs.B),
            // DualPipeV has the same bubble on half the devices: its PP in the formula is twice its ranks.
            PipelineVariant.DualPipeV => ((2.0 * ranks / 2) - 1) * (costs.ForwardBackward + costs.B - (3 * costs.W)),
            _ => ((ranks / 2.0) - 1) * (costs.ForwardBackward + costs.B - (3 * costs.W)),
        };
    }

    public static string Describe(PipelineVariant variant) => variant switch
    {
        PipelineVariant.OneFOneB => "(PP-1)(F+B)",
        _ => string.Create(CultureInfo.InvariantCulture, $"(PP/2-1)(F&B+B-3W){(variant == PipelineVariant.DualPipeV ? " with PP = 2 x ranks" : "")}"),
    };

    // When the op's inputs are done, or null while one is not.
    private static double? Ready(PipelineOp op, int stages, Dictionary<(PipelineOpKind, int, int, int), double> done)
    {
        if (op.Kind == PipelineOpKind.FB)
        {
            return Ready(op.Forward!, stages, done) is { } f && Ready(op.Backward!, stages, done) is { } b ? Math.Max(f, b) : null;
        }

        double? At(PipelineOpKind kind, int stage) => done.TryGetValue((kind, stage, op.Direction, op.Microbatch), out var t) ? t : null;
        return op.Kind switch
        {
            PipelineOpKind.F => op.Stage == 0 ? 0 : At(PipelineOpKind.F, op.Stage - 1),
            PipelineOpKind.B => At(PipelineOpKind.F, op.Stage) is { } own
                ? op.Stage == stages - 1 ? own : At(PipelineOpKind.B, op.Stage + 1) is { } after ? Math.Max(own, after) : null
                : null,
            _ => 0,
        };
    }
}
