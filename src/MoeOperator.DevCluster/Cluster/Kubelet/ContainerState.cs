using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>What the kubelet knows of one container of a pod across its runs: the current run, restarts, back-off, probes.</summary>
internal sealed class ContainerState(JsonObject spec, bool init)
{
    public JsonObject Spec { get; } = spec;

    public string Name => (string?)Spec["name"] ?? "";

    public bool IsInit { get; } = init;

    public IContainerRun? Run { get; private set; }

    /// <summary>How many times the container was restarted.</summary>
    public int RestartCount { get; private set; }

    /// <summary>How many runs were started (the log of run n is n.log).</summary>
    public int Runs { get; private set; }

    /// <summary>The run before the current one, once it ended.</summary>
    public IContainerRun? Previous { get; private set; }

    /// <summary>No restart before this time (CrashLoopBackOff while in the future).</summary>
    public DateTimeOffset? BackoffUntil { get; private set; }

    public TimeSpan Backoff { get; private set; }

    /// <summary>Why the container cannot start (CreateContainerConfigError and its message), if so.</summary>
    public (string Reason, string Message)? StartError { get; set; }

    public ProbeState? Readiness { get; private set; }

    public ProbeState? Liveness { get; private set; }

    public ProbeState? Startup { get; private set; }

    /// <summary>Why the kubelet killed the current run (a failed liveness or startup probe), if it did.</summary>
    public string? KilledBecause { get; private set; }

    /// <summary>Why the kubelet killed the previous run, if it did.</summary>
    public string? PreviousKilledBecause { get; private set; }

    public bool IsRunning => Run is { StartedAt: not null, FinishedAt: null };

    public bool HasExited => Run?.FinishedAt is not null;

    /// <summary>Ready: running, started (startup probe passed) and passing its readiness probe.</summary>
    public bool IsReady => IsRunning && (Run is SimulatedContainer || ((Startup?.Passing ?? true) && (Readiness?.Passing ?? true)));

    public void Started(IContainerRun run, DateTimeOffset now)
    {
        if (Run is not null)
        {
            Previous?.Dispose();
            Previous = Run;
            RestartCount++;
        }

        Runs++;
        Run = run;
        BackoffUntil = null;
        StartError = null;
        PreviousKilledBecause = KilledBecause;
        KilledBecause = null;
        Readiness = Spec["readinessProbe"] is JsonObject readiness ? new ProbeState(readiness, now, initial: false) : null;
        Liveness = Spec["livenessProbe"] is JsonObject liveness ? new ProbeState(liveness, now, initial: true) : null;
        Startup = Spec["startupProbe"] is JsonObject startup ? new ProbeState(startup, now, initial: false) : null;
    }

    /// <summary>Records that the current run ended and a restart must wait: 10 s, doubling up to the maximum.</summary>
    public void BackOff(DateTimeOffset finished, TimeSpan first, TimeSpan max)
    {
        Backoff = Backoff == TimeSpan.Zero ? first : Backoff * 2 > max ? max : Backoff * 2;
        BackoffUntil = finished + Backoff;
    }

    /// <summary>The kubelet kills the run (a probe failed); it restarts per the pod's restart policy.</summary>
    public void KillFor(string reason)
    {
        KilledBecause = reason;
        Run?.Kill();
    }

    public void Dispose()
    {
        Run?.Dispose();
        Previous?.Dispose();
    }
}
