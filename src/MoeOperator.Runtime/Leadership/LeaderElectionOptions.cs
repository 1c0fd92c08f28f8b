namespace MoeOperator.Runtime.Leadership;

/// <summary>The Lease and timings of leader election (kubebuilder's defaults: 15 s, 10 s, 2 s).</summary>
public sealed record LeaderElectionOptions(string Namespace, string LeaseName, string Identity)
{
    /// <summary>How long a leader's lease is valid without renewal; a standby takes over after it lapses.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps retrying a renewal before it gives up leadership.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often candidates try to acquire or renew.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}
