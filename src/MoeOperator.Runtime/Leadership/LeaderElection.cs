using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using MoeOperator.Runtime.Metrics;

namespace MoeOperator.Runtime.Leadership;

/// <summary>
/// Runs work only while this process holds a coordination.k8s.io Lease (KubernetesClient's LeaderElector). The
/// work gets a token that is cancelled the moment leadership is lost, and <see cref="RunAsync"/> returns only after
/// the work has stopped: a process that lost the lease never keeps reconciling, and its caller exits so the pod
/// restarts as a fresh candidate.
/// </summary>
public sealed class LeaderElection(IKubernetes client, LeaderElectionOptions options, RuntimeMetrics? metrics = null)
{
    private volatile bool _leading;

    /// <summary>Whether this process holds the lease now.</summary>
    public bool IsLeader => _leading;

    /// <summary>The identity of the current leader, as last observed.</summary>
    public string? CurrentLeader { get; private set; }

    /// <summary>Waits for leadership, runs <paramref name="whileLeading"/>, and returns once leadership is lost (or the token ends it) and the work has stopped.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> whileLeading, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(whileLeading);
        var leaseLock = new LeaseLock(client, options.Namespace, options.LeaseName, options.Identity);
        using var elector = new LeaderElector(new LeaderElectionConfig(leaseLock)
        {
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        });
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task work = Task.CompletedTask;
        elector.OnNewLeader += leader => CurrentLeader = leader;
        elector.OnStartedLeading += () =>
        {
            _leading = true;
            metrics?.Leader(options.LeaseName, true);
            work = Task.Run(() => whileLeading(lost.Token), CancellationToken.None);
        };
        elector.OnStoppedLeading += () =>
        {
            _leading = false;
            metrics?.Leader(options.LeaseName, false);
            lost.Cancel();
        };
        metrics?.Leader(options.LeaseName, false);
        try
        {
            await elector.RunUntilLeadershipLostAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: fall through to stop the work.
        }
        finally
        {
            _leading = false;
            await lost.CancelAsync();
            try
            {
                await work;
            }
            catch (OperationCanceledException)
            {
                // The work ended because leadership ended.
            }
        }
    }
}
