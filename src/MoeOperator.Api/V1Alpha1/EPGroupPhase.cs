namespace MoeOperator.Api.V1Alpha1;

/// <summary>Summary of an expert-parallel group's state.</summary>
public enum EPGroupPhase
{
    /// <summary>Accepted; waiting for the whole group to fit.</summary>
    Pending,

    /// <summary>Pods are created and starting.</summary>
    Starting,

    /// <summary>Every rank is ready.</summary>
    Running,

    /// <summary>A rank failed; the group restarts after its backoff.</summary>
    Restarting,

    /// <summary>Restarts are exhausted or the spec cannot be run; see lastFailure and the conditions.</summary>
    Failed,
}
