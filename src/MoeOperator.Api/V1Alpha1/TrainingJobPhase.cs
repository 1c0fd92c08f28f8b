namespace MoeOperator.Api.V1Alpha1;

/// <summary>Summary of a training job's state.</summary>
public enum TrainingJobPhase
{
    /// <summary>Accepted; waiting for all ranks to fit.</summary>
    Pending,

    /// <summary>Ranks are training.</summary>
    Running,

    /// <summary>Stopped by spec.suspend.</summary>
    Suspended,

    /// <summary>A rank failed; the job restarts from its last checkpoint after the backoff.</summary>
    Restarting,

    /// <summary>All steps completed.</summary>
    Succeeded,

    /// <summary>Restarts are exhausted or the spec cannot run; see lastFailure and the conditions.</summary>
    Failed,
}
