using MoeOperator.Contract.Training;

namespace MoeOperator.Worker.Training;

/// <summary>Where rank 0 sends progress: the pod annotation the operator reads, the log, metrics.</summary>
public interface ITrainingReporter
{
    void Report(TrainingProgressReport report);
}
