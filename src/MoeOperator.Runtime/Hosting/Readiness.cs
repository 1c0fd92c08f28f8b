namespace MoeOperator.Runtime.Hosting;

/// <summary>
/// What /readyz answers. The leader is ready once every controller's caches have synced. A standby is ready once
/// it has seen the lease (so it can reach the API server): were standbys never ready, a rolling update could
/// not finish, because the new pod waits for the lease that the old, still-running pod holds.
/// </summary>
public static class Readiness
{
    /// <summary>Whether the process is ready, and the line /readyz prints.</summary>
    public static (bool Ready, string Reason) Evaluate(bool leading, string? observedLeader, string? identity, IReadOnlyList<(string Controller, bool Synced)> controllers)
    {
        ArgumentNullException.ThrowIfNull(controllers);
        if (!leading && observedLeader is not null && observedLeader == identity)
        {
            // The lease names this process but its controllers have not started (or have just stopped).
            return (false, "leading: starting the controllers");
        }

        if (!leading)
        {
            return observedLeader is { Length: > 0 }
                ? (true, $"standby: {observedLeader} holds the lease")
                : (false, "standby: the leader-election lease has not been read yet");
        }

        var waiting = controllers.Where(c => !c.Synced).Select(c => c.Controller).ToList();
        return waiting.Count == 0
            ? (true, $"leading: {controllers.Count} controllers with synced caches")
            : (false, $"leading: waiting for the caches of {string.Join(", ", waiting)} to sync");
    }
}
