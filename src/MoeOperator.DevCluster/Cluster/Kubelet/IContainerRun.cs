namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>One run of a container: a real process, or a simulated one that follows the clock.</summary>
internal interface IContainerRun : IDisposable
{
    /// <summary>When the container started running (null while it is still starting).</summary>
    DateTimeOffset? StartedAt { get; }

    /// <summary>When it exited (null while it runs).</summary>
    DateTimeOffset? FinishedAt { get; }

    /// <summary>Its exit code once exited (128 + signal when a signal ended it).</summary>
    int? ExitCode { get; }

    /// <summary>The runtime's id of this run (containerID).</summary>
    string Id { get; }

    /// <summary>Asks it to stop (SIGTERM).</summary>
    void Terminate();

    /// <summary>Stops it now (SIGKILL).</summary>
    void Kill();
}
