namespace MoeOperator.Api.V1Alpha1;

/// <summary>Summary of a 3FS cluster's state.</summary>
public enum ThreeFSClusterPhase
{
    /// <summary>Accepted; nothing is running yet.</summary>
    Pending,

    /// <summary>Bootstrap steps are running.</summary>
    Bootstrapping,

    /// <summary>Every chain serves.</summary>
    Ready,

    /// <summary>Some chains run with fewer replicas than configured.</summary>
    Degraded,

    /// <summary>A rolling restart or upgrade is in progress.</summary>
    Upgrading,

    /// <summary>The cluster cannot make progress without help; see the conditions.</summary>
    Failed,

    /// <summary>The cluster is being deleted.</summary>
    Deleting,
}
