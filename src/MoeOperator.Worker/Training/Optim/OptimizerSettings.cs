namespace MoeOperator.Worker.Training.Optim;

/// <summary>AdamW with linear warm-up and cosine decay to <see cref="MinLearningRate"/>, and global gradient-norm clipping.</summary>
public sealed record OptimizerSettings
{
    public double LearningRate { get; init; } = 3e-4;

    public double MinLearningRate { get; init; } = 3e-5;

    public int WarmupSteps { get; init; }

    public int TotalSteps { get; init; } = 1;

    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.95;

    public double Epsilon { get; init; } = 1e-8;

    public double WeightDecay { get; init; } = 0.1;

    /// <summary>Gradients are scaled down to this global L2 norm when above it; 0 disables clipping.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>The learning rate of step <paramref name="step"/> (1-based).</summary>
    public double LearningRateAt(long step)
    {
        if (step <= WarmupSteps)
        {
            return LearningRate * step / Math.Max(1, WarmupSteps);
        }

        var decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        var progress = Math.Min(1.0, (double)(step - WarmupSteps) / decaySteps);
        return MinLearningRate + (0.5 * (LearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * progress)));
    }

    /// <summary>What every gradient is multiplied by for a global norm of <paramref name="norm"/>.</summary>
    public double ClipFactor(double norm) => MaxGradNorm > 0 && norm > MaxGradNorm ? MaxGradNorm / (norm + 1e-6) : 1.0;
}
