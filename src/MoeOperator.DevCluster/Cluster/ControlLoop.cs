using System.Threading.Channels;

namespace MoeOperator.DevCluster.Cluster;

/// <summary>
/// One component of the simulated cluster, level-triggered: it wakes when an object of a kind it watches changes,
/// or on its tick (for timers such as heartbeats, start delays and backoffs), and converges everything in one pass,
/// so it never misses an edge. A component that reads a resource with thousands of objects (pods, at scale) reads it
/// through a <see cref="ResourceCache"/>, which copies only what changed, and works only on the objects that need it. A pass that fails is
/// retried on the next wake-up: a conflict with another writer quietly, anything else reported to
/// <see cref="ComponentErrors"/> (logged once, counted, shown by <c>moe dev up</c>) until a pass succeeds. A component
/// that works object by object runs each through <see cref="ForObject"/>, so one object's trouble never stalls the rest.
/// </summary>
internal abstract class ControlLoop(ClusterApi api, TimeSpan tick, params string[] watched)
{
    // The objects this pass worked on through ForObject; an error against any other object is stale after the pass.
    private readonly HashSet<string> _visited = new(StringComparer.Ordinal);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    protected ClusterApi Api { get; } = api;

    /// <summary>Asks for a pass soon.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var pumps = watched.Select(gr => PumpAsync(gr, cancellationToken)).ToList();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    _visited.Clear();
                    Pass();
                    Api.Errors.Clear(Api.Component, ComponentErrors.WholePass);
                    Api.Errors.Retain(Api.Component, _visited);
                }
                catch (Semantics.ApiException e) when (e.Code == 409)
                {
                    // Another writer got there first: the next pass reads the newer object.
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Api.Errors.Report(Api.Component, ComponentErrors.WholePass, e);
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
            await Task.WhenAll(pumps);
            Api.PauseCaches();
            Stop();
        }
    }

    /// <summary>One pass: read the current objects, write what differs.</summary>
    protected abstract void Pass();

    /// <summary>
    /// One object's part of a pass: a failure is reported against the object (<c>pod ns/name</c>) and the pass goes on
    /// with the next object; a conflict is a quiet retry next pass.
    /// </summary>
    protected void ForObject(System.Text.Json.Nodes.JsonObject obj, string kind, Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var ns = ClusterApi.Namespace(obj);
        var target = $"{kind} {(ns is null ? "" : ns + "/")}{ClusterApi.Name(obj)}";
        _visited.Add(target);
        try
        {
            work();
            Api.Errors.Clear(Api.Component, target);
        }
        catch (Semantics.ApiException e) when (e.Code is 404 or 409)
        {
            // The object is gone, or a newer version of it exists: the next pass works on what is there.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Api.Errors.Report(Api.Component, target, e);
        }
    }

    /// <summary>Called once when the loop ends.</summary>
    protected virtual void Stop()
    {
    }

    // Wakes the loop on every change of one resource. A watch closed under it (a fault, as a dropped connection)
    // is opened again after a moment, with a wake-up for whatever changed in between, as an informer re-lists.
    private async Task PumpAsync(string groupResource, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                using (var subscription = Api.Service.Store.Watch(groupResource, null, null))
                {
                    await foreach (var _ in subscription.Events.ReadAllAsync(cancellationToken))
                    {
                        Wake();
                    }
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), Api.Clock, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
