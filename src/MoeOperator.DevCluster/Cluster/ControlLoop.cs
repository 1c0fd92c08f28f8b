using System.Threading.Channels;

namespace MoeOperator.DevCluster.Cluster;

/// <summary>
/// One component of the simulated cluster, level-triggered: it wakes when an object of a kind it watches changes,
/// or on its tick (for timers such as heartbeats, start delays and backoffs), and converges everything in one pass.
/// The dev cluster holds tens of objects, so a full pass is cheap and never misses an edge. A pass that fails (a
/// conflict with another writer, say) is simply retried on the next wake-up.
/// </summary>
internal abstract class ControlLoop(ClusterApi api, TimeSpan tick, params string[] watched)
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    protected ClusterApi Api { get; } = api;

    /// <summary>The last error of a pass, for tests and diagnostics.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Asks for a pass soon.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var subscriptions = watched.Select(gr => Api.Service.Store.Watch(gr, null, null)).ToList();
        var pumps = subscriptions.Select(s => PumpAsync(s, cancellationToken)).ToList();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    Pass();
                    LastError = null;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LastError = e;
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var woken = _wake.Reader.ReadAsync(wait.Token).AsTask();
                var ticked = Task.Delay(tick, Api.Clock, wait.Token);
                await Task.WhenAny(woken, ticked);
                await wait.CancelAsync();
            }
        }
        finally
        {
            foreach (var subscription in subscriptions)
            {
                subscription.Dispose();
            }

            await Task.WhenAll(pumps);
            Stop();
        }
    }

    /// <summary>One pass: read the current objects, write what differs.</summary>
    protected abstract void Pass();

    /// <summary>Called once when the loop ends.</summary>
    protected virtual void Stop()
    {
    }

    private async Task PumpAsync(Storage.WatchSubscription subscription, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in subscription.Events.ReadAllAsync(cancellationToken))
            {
                Wake();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
