using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>The kubelet's state of one pod: its directory, address, containers, and termination.</summary>
internal sealed class PodRuntime(string uid, string directory, string ip)
{
    public string Uid { get; } = uid;

    public string Directory { get; } = directory;

    public string Ip { get; } = ip;

    public string Namespace { get; set; } = "";

    public string Name { get; set; } = "";

    public List<ContainerState> InitContainers { get; } = [];

    public List<ContainerState> Containers { get; } = [];

    public IEnumerable<ContainerState> All => InitContainers.Concat(Containers);

    /// <summary>The pod's relay to the API server (null for host-network pods and unsandboxed runs).</summary>
    public ApiProxy? Proxy { get; set; }

    /// <summary>When SIGTERM went to the containers (null: not terminating).</summary>
    public DateTimeOffset? TerminationStarted { get; set; }

    /// <summary>
    /// The pod's resourceVersion when a sync last ran to its end with the pod settled, so its status was final; null
    /// while anything is pending. A pass skips the pod while the object is still at this version and it stays settled.
    /// </summary>
    public string? SettledVersion { get; set; }

    /// <summary>
    /// Until when a pass may skip the pod although it is not settled, because all it waits for is a simulated timer
    /// (see <see cref="NextTimedChange"/>); it holds while the object stays at <see cref="QuietVersion"/>. Thousands of
    /// pods in their start delay would otherwise each be synced on every pass, for a status that cannot change yet.
    /// </summary>
    public DateTimeOffset? QuietUntil { get; set; }

    /// <summary>The pod's resourceVersion <see cref="QuietUntil"/> was worked out for.</summary>
    public string? QuietVersion { get; set; }

    /// <summary>
    /// The next moment something in this pod changes by time alone, when only simulated timers are pending: a
    /// simulated container's start delay or run time ending, a back-off running out. Null when anything may change at
    /// any moment: a real process, a container not created yet, an exited container not backing off, a termination.
    /// </summary>
    public DateTimeOffset? NextTimedChange()
    {
        if (TerminationStarted is not null)
        {
            return null;
        }

        // While an init container has not completed, it is the only one that can move.
        var pendingInit = InitContainers.FirstOrDefault(c => c.Run?.ExitCode != 0);
        DateTimeOffset? next = null;
        foreach (var container in pendingInit is null ? Containers : [pendingInit])
        {
            if (container.Run is not SimulatedContainer run)
            {
                return null;
            }

            if (run.NextChange is { } change)
            {
                next = Earlier(next, change);
            }
            else if (run.FinishedAt is not null)
            {
                // Exited: due when its back-off runs out; one not backing off is for the next pass to decide.
                if (container.BackoffUntil is not { } backoffUntil)
                {
                    return null;
                }

                next = Earlier(next, backoffUntil);
            }
        }

        return next;
    }

    private static DateTimeOffset Earlier(DateTimeOffset? a, DateTimeOffset b) => a is { } first && first < b ? first : b;

    /// <summary>Whether the pod's status says it finished (Succeeded or Failed): nothing of it runs again.</summary>
    public bool Finished { get; set; }

    /// <summary>
    /// Whether nothing will change in this pod until its object does, so a pass may skip it: it is not terminating,
    /// and either it finished and nothing of it runs, or every container is simulated and at rest (init containers
    /// exited 0, the others running until stopped). A real process can exit, and has probes, at any time: a pod with
    /// one is never settled, nor is one waiting on a start delay, a run time or a back-off.
    /// </summary>
    public bool IsSettled => TerminationStarted is null && (Finished
        ? AllStopped
        : InitContainers.All(c => c.Run is SimulatedContainer { AtRest: true, ExitCode: 0 })
            && Containers.All(c => c.Run is SimulatedContainer { AtRest: true } && c.IsRunning));

    /// <summary>Fills the containers from the spec once.</summary>
    public void Load(JsonObject pod)
    {
        Namespace = (string?)pod["metadata"]?["namespace"] ?? "";
        Name = (string?)pod["metadata"]?["name"] ?? "";
        if (InitContainers.Count + Containers.Count > 0)
        {
            return;
        }

        InitContainers.AddRange(pod["spec"]?["initContainers"]?.AsArray().OfType<JsonObject>().Select(c => new ContainerState(c, init: true)) ?? []);
        Containers.AddRange(pod["spec"]?["containers"]?.AsArray().OfType<JsonObject>().Select(c => new ContainerState(c, init: false)) ?? []);
    }

    /// <summary>Whether every init container has completed successfully.</summary>
    public bool Initialized => InitContainers.All(c => c.Run?.ExitCode == 0);

    public void Terminate()
    {
        foreach (var container in All)
        {
            container.Run?.Terminate();
        }
    }

    public void Kill()
    {
        foreach (var container in All)
        {
            container.Run?.Kill();
        }
    }

    public bool AllStopped => All.All(c => c.Run is null || c.Run.FinishedAt is not null || c.Run.StartedAt is null);

    public void Dispose()
    {
        foreach (var container in All)
        {
            container.Dispose();
        }

        Proxy?.Dispose();
    }
}
