using Microsoft.Extensions.Logging;
using MoeOperator.Runtime.Queue;

namespace MoeOperator.Runtime.Controllers;

/// <summary>
/// The workers of one controller: each takes a key from the queue (never one another worker holds), reconciles
/// it, and turns the outcome into the next step: success forgets the key's failures, Again and ordinary errors
/// requeue it with backoff, After requeues it at a fixed time, a <see cref="TerminalException"/> is recorded and
/// not retried. A write refused with 409 Conflict (the object changed since the cache saw it) is normal under
/// optimistic concurrency: a quiet requeue, logged at debug level and counted as result "conflict", never an error. Every log line written during a reconcile carries the controller and the object's namespace and
/// name (a logging scope), and a failure is always logged with them.
/// </summary>
public sealed class ControllerLoop(
    string name,
    WorkQueue<ObjectReference> queue,
    IReconciler reconciler,
    int workers,
    TimeProvider clock,
    Action<ObjectReference, Exception>? onError = null,
    IControllerMetrics? metrics = null,
    ILogger? logger = null)
{
    private readonly IControllerMetrics _metrics = metrics ?? IControllerMetrics.None;
    private int _active;

    /// <summary>The controller's name in logs and metrics.</summary>
    public string Name { get; } = name;

    /// <summary>Runs the workers until the token is cancelled, then shuts the queue down and waits for them.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        using var registration = cancellationToken.Register(queue.ShutDown);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(cancellationToken), CancellationToken.None)));
    }

    /// <summary>Reconciles one key that is already in flight and decides what happens to it next.</summary>
    internal async Task ProcessAsync(ObjectReference key, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var result = "success";
        using var scope = logger?.BeginScope(new Dictionary<string, object>
        {
            ["controller"] = Name,
            ["namespace"] = key.Namespace,
            ["name"] = key.Name,
        });
        _metrics.ActiveWorkers(Name, Interlocked.Increment(ref _active));
        try
        {
            var outcome = await reconciler.ReconcileAsync(key, cancellationToken);
            if (outcome.RequeueAfter is { } after)
            {
                result = "requeue_after";
                queue.Forget(key);
                queue.AddAfter(key, after);
            }
            else if (outcome.Requeue)
            {
                result = "requeue";
                queue.AddRateLimited(key);
            }
            else
            {
                queue.Forget(key);
            }
        }
        catch (Client.ApiRequestException e) when (e.Status == System.Net.HttpStatusCode.Conflict)
        {
            result = "conflict";
            queue.AddRateLimited(key);
            logger?.Conflict(e.Message);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            result = "conflict";
            queue.AddRateLimited(key);
            logger?.Conflict(e.Message);
        }
        catch (TerminalException e)
        {
            result = "error";
            queue.Forget(key);
            logger?.TerminalError(e, e.Message);
            onError?.Invoke(key, e);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            result = "error";
            queue.AddRateLimited(key);
            logger?.RetriedError(e);
            onError?.Invoke(key, e);
        }
        finally
        {
            _metrics.ActiveWorkers(Name, Interlocked.Decrement(ref _active));
            _metrics.Reconciled(Name, result, clock.GetElapsedTime(started));
            queue.Done(key);
        }
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            (ObjectReference Key, bool ShuttingDown) next;
            try
            {
                next = await queue.GetAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (next.ShuttingDown)
            {
                return;
            }

            await ProcessAsync(next.Key, cancellationToken);
        }
    }
}
