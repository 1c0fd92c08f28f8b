namespace MoeOperator.Worker.Training;

/// <summary>How a training process ended without an error.</summary>
public enum TrainingOutcome
{
    /// <summary>Every step is done.</summary>
    Completed,

    /// <summary>A rank was asked to stop (SIGTERM: suspend, drain); all ranks checkpointed at one step boundary and stopped.</summary>
    Suspended,
}
