namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>How the dev cluster's kubelet runs pods.</summary>
public sealed record KubeletOptions
{
    /// <summary>Where pod directories, logs, emptyDirs, hostPaths and claims live.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>
    /// Images that run as real processes, by image reference; a key without a tag matches every tag of that
    /// repository. Containers of any other image are simulated.
    /// </summary>
    public IReadOnlyDictionary<string, LocalProgram> Programs { get; init; } = new Dictionary<string, LocalProgram>();

    /// <summary>How long a simulated container takes to start (a pod annotation can override it per pod).</summary>
    public TimeSpan SimulatedStartDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a simulated container of a Job's pod runs before it exits 0 (other simulated containers run until stopped).</summary>
    public TimeSpan SimulatedRunTime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>First back-off after a container exits (Kubernetes: 10 s); it doubles up to <see cref="RestartBackoffMax"/>.</summary>
    public TimeSpan RestartBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest back-off between restarts (Kubernetes: 5 min).</summary>
    public TimeSpan RestartBackoffMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the kubelet looks at its pods when nothing changed (probes, timers).</summary>
    public TimeSpan SyncPeriod { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How often the kubelet looks at every pod, whatever changed: a net under the passes that look only at pods that
    /// changed, are not settled, were acted on or sit on a node that changed. The endpoints controller syncs every
    /// Service this often too, for the same reason.
    /// </summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Run each process in a user and mount namespace of its own (unshare, no root needed) with the pod's volumes
    /// at their mount paths, its own /etc/hosts and the service-account files, as in a container. Off, the process
    /// runs in the pod's directory with the same environment but sees the machine's files.
    /// </summary>
    public bool Sandbox { get; init; } = true;
}
