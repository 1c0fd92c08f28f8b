namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// A container whose image is not a local program: it is running after its start delay, and exits with its exit
/// code after its run time (never, when it has none), so third-party images reconcile as if they ran.
/// </summary>
internal sealed class SimulatedContainer(TimeProvider clock, TimeSpan startDelay, TimeSpan? runTime, int exitCode) : IContainerRun
{
    private readonly DateTimeOffset _created = clock.GetUtcNow();
    private DateTimeOffset? _stopped;
    private int _stopCode;

    public string Id { get; } = "moe-sim://" + Guid.NewGuid().ToString("N");

    public DateTimeOffset? StartedAt => clock.GetUtcNow() >= _created + startDelay || _stopped is not null ? _created + startDelay : null;

    public DateTimeOffset? FinishedAt => _stopped ?? (runTime is { } run && clock.GetUtcNow() >= _created + startDelay + run ? _created + startDelay + run : null);

    public int? ExitCode => _stopped is not null ? _stopCode : FinishedAt is not null ? exitCode : null;

    /// <summary>
    /// Whether nothing about this run will change with time alone: it has started, and it either exited or runs
    /// until stopped. A pod whose containers are all at rest needs no pass until its object changes.
    /// </summary>
    public bool AtRest => StartedAt is not null && (FinishedAt is not null || runTime is null);

    /// <summary>When this run changes by time alone (it starts, or its run time ends), or null when nothing is due.</summary>
    public DateTimeOffset? NextChange =>
        StartedAt is null ? _created + startDelay
        : FinishedAt is null && runTime is { } run ? _created + startDelay + run
        : null;

    // A simulated process honours SIGTERM at once: it exits 0 (143 would mean it ignored nothing and died by signal).
    public void Terminate() => Stop(0);

    public void Kill() => Stop(137);

    public void Dispose()
    {
    }

    private void Stop(int code)
    {
        if (FinishedAt is null)
        {
            _stopped = clock.GetUtcNow();
            _stopCode = code;
        }
    }
}
