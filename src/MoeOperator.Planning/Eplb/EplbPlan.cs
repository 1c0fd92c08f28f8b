namespace MoeOperator.Planning.Eplb;

/// <summary>
/// Where every expert lives, per layer: <see cref="PhysicalToLogical"/>[layer][slot] is the logical expert a
/// physical slot holds (slot s sits on GPU s / slotsPerGpu); <see cref="LogicalToPhysical"/>[layer][expert] lists
/// the slots of each expert's replicas, padded with -1; <see cref="ReplicaCounts"/>[layer][expert] counts them.
/// </summary>
public sealed record EplbPlan(int[][] PhysicalToLogical, int[][][] LogicalToPhysical, int[][] ReplicaCounts);
