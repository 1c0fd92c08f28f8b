using System.Text.Json.Nodes;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Informers;
using MoeOperator.Runtime.Metrics;
using MoeOperator.Runtime.Queue;

namespace MoeOperator.Runtime.Controllers;

/// <summary>
/// Wires informers to one work queue, as controller-runtime's builder does: <see cref="For"/> the primary kind
/// (its own events queue its key), <see cref="Owns"/> child kinds (a child's event queues its controlling owner),
/// <see cref="Watches"/> anything else through a mapping (for example Nodes to the groups placed on them).
/// <see cref="RunAsync"/> starts the informers, waits for every cache to sync, then runs the workers.
/// </summary>
public sealed class Controller
{
    private readonly List<Informer> _informers = [];
    private readonly TimeProvider _clock;
    private readonly RuntimeMetrics? _metrics;
    private readonly Action<string, Exception>? _onError;

    public Controller(string name, TimeProvider clock, RuntimeMetrics? metrics = null, Action<string, Exception>? onError = null)
    {
        Name = name;
        _clock = clock;
        _metrics = metrics;
        _onError = onError;
        Queue = new WorkQueue<ObjectReference>(name, clock, RateLimiters.Default<ObjectReference>(clock), metrics);
    }

    /// <summary>The controller's name in logs and metrics.</summary>
    public string Name { get; }

    /// <summary>The controller's queue.</summary>
    public WorkQueue<ObjectReference> Queue { get; }

    /// <summary>Whether every informer has synced.</summary>
    public bool HasSynced => _informers.All(i => i.HasSynced);

    /// <summary>The primary kind: each of its events queues its own key.</summary>
    public Informer For(IListWatchSource source, InformerOptions options) =>
        Watches(source, options, obj => [ObjectCache.KeyOf(obj)]);

    /// <summary>A child kind: each of its events queues the owner of <paramref name="ownerKind"/> that controls it.</summary>
    public Informer Owns(IListWatchSource source, string ownerKind, InformerOptions options) =>
        Watches(source, options, obj => Owners.ControllerOf(obj, ownerKind) is { } owner
            ? [new ObjectReference((string?)obj["metadata"]?["namespace"] ?? "", owner)]
            : []);

    /// <summary>Any kind, mapped to the keys it affects.</summary>
    public Informer Watches(IListWatchSource source, InformerOptions options, Func<JsonObject, IEnumerable<ObjectReference>> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var informer = new Informer($"{Name}/{_informers.Count}", source, options, _clock, _onError);
        informer.AddHandler(change =>
        {
            foreach (var key in map(change.Object))
            {
                Queue.Add(key);
            }
        });
        _informers.Add(informer);
        return informer;
    }

    /// <summary>Runs until cancelled: informers first, workers once every cache has synced.</summary>
    public async Task RunAsync(IReconciler reconciler, int workers, CancellationToken cancellationToken)
    {
        var informers = _informers.Select(i => i.RunAsync(cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(_informers.Select(i => i.Synced)).WaitAsync(cancellationToken);
            var loop = new ControllerLoop(Name, Queue, reconciler, workers, _clock, (key, e) => _onError?.Invoke($"{Name} {key}", e), _metrics);
            await loop.RunAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            Queue.ShutDown();
            await Task.WhenAll(informers);
        }
    }
}
