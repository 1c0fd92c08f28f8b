namespace MoeOperator.Planning.Pipeline;

/// <summary>What a pipeline rank computes in one step of its schedule.</summary>
public enum PipelineOpKind
{
    /// <summary>Forward of one micro-batch through one stage.</summary>
    F,

    /// <summary>Backward: the input gradient, and the weight gradient too unless it is deferred (zero bubble).</summary>
    B,

    /// <summary>A deferred weight gradient, of the oldest zero-bubble backward still waiting.</summary>
    W,

    /// <summary>A forward and a backward of different micro-batches computed together, their communication overlapped.</summary>
    FB,
}

/// <summary>
/// One op of a rank's schedule. <see cref="Direction"/> is 0 for micro-batches that enter at rank 0 and 1 for those
/// entering at the last rank (DualPipe's second half; always 0 otherwise); <see cref="Microbatch"/> counts from 0
/// within its direction; <see cref="Stage"/> is the model stage (DualPipe and 1F1B: 0..P-1, DualPipeV: 0..2P-1).
/// An <see cref="PipelineOpKind.FB"/> op carries its two halves instead.
/// </summary>
public sealed record PipelineOp(PipelineOpKind Kind, int Stage, int Direction, int Microbatch, bool ZeroBubble = false)
{
    public PipelineOp? Forward { get; init; }

    public PipelineOp? Backward { get; init; }

    public static PipelineOp Pair(PipelineOp forward, PipelineOp backward) =>
        new(PipelineOpKind.FB, -1, -1, -1) { Forward = forward, Backward = backward };

    /// <summary>The op as <c>moe plan dualpipe</c> prints it: <c>{"op", "stage", "direction", "microbatch", "zeroBubble"}</c>, or <c>{"op": "FB", "forward", "backward"}</c>.</summary>
    public System.Text.Json.Nodes.JsonObject ToJson() => Kind == PipelineOpKind.FB
        ? new() { ["op"] = "FB", ["forward"] = Forward!.ToJson(), ["backward"] = Backward!.ToJson() }
        : new() { ["op"] = Kind.ToString(), ["stage"] = Stage, ["direction"] = Direction, ["microbatch"] = Microbatch, ["zeroBubble"] = ZeroBubble };

    public override string ToString() => Kind == PipelineOpKind.FB
        ? $"FB({Forward}|{Backward})"
        : $"{Kind}{(ZeroBubble ? "z" : "")}(s{Stage},d{Direction},m{Microbatch})";
}

/// <summary>The pipeline schedules the planner knows.</summary>
public enum PipelineVariant
{
    DualPipe,
    DualPipeV,
    OneFOneB,
}
