namespace MoeOperator.Worker.Training;

/// <summary>What one optimiser step did, the same on every rank.</summary>
/// <param name="Step">1-based.</param>
/// <param name="Loss">Mean cross-entropy over the global batch.</param>
/// <param name="GradNorm">Global L2 norm of the gradient before clipping.</param>
/// <param name="LearningRate">The rate this step used.</param>
/// <param name="Load">Tokens routed to each expert over all ranks, by MoE layer this rank holds.</param>
/// <param name="Imbalance">Max over mean of that load for every MoE layer of the model (1 is balanced), whichever rank holds it.</param>
public sealed record StepResult(long Step, double Loss, double GradNorm, double LearningRate, IReadOnlyDictionary<int, double[]> Load, IReadOnlyDictionary<int, double> Imbalance);
