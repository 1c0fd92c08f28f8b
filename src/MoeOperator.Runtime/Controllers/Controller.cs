using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Informers;
using MoeOperator.Runtime.Metrics;
using MoeOperator.Runtime.Queue;

namespace MoeOperator.Runtime.Controllers;

/// <summary>
/// Wires informers to one work queue, as controller-runtime's builder does: <c>For</c> the primary kind
/// (its own events queue its key), <c>Owns</c> child kinds (a child's event queues its controlling owner),
/// <c>Watches</c> anything else through a mapping (for example Nodes to the groups placed on them).
/// <see cref="RunAsync"/> starts the informers, waits for every cache to sync, then runs the workers.
/// </summary>
public sealed class Controller
{
    private readonly List<Informer> _informers = [];
    private readonly TimeProvider _clock;
    private readonly RuntimeMetrics? _metrics;
    private readonly Action<string, Exception>? _onError;
    private readonly ILogger? _logger;

    public Controller(string name, TimeProvider clock, RuntimeMetrics? metrics = null, Action<string, Exception>? onError = null, ILogger? logger = null)
    {
        Name = name;
        _clock = clock;
        _metrics = metrics;
        _onError = onError;
        _logger = logger;
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

    /// <summary><see cref="For(IListWatchSource, InformerOptions)"/> over several sources (one per watched namespace), read as one cache.</summary>
    public CacheView For(IEnumerable<IListWatchSource> sources, InformerOptions options) =>
        new([.. sources.Select(s => For(s, options).Cache)]);

    /// <summary><see cref="Owns(IListWatchSource, string, InformerOptions)"/> over several sources, read as one cache.</summary>
    public CacheView Owns(IEnumerable<IListWatchSource> sources, string ownerKind, InformerOptions options) =>
        new([.. sources.Select(s => Owns(s, ownerKind, options).Cache)]);

    /// <summary><see cref="Watches(IListWatchSource, InformerOptions, Func{JsonObject, IEnumerable{ObjectReference}})"/> over several sources, read as one cache.</summary>
    public CacheView Watches(IEnumerable<IListWatchSource> sources, InformerOptions options, Func<JsonObject, IEnumerable<ObjectReference>> map) =>
        new([.. sources.Select(s => Watches(s, options, map).Cache)]);

    /// <summary>Any kind, mapped to the keys it affects.</summary>
    public Informer Watches(IListWatchSource source, InformerOptions options, Func<JsonObject, IEnumerable<ObjectReference>> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var informer = new Informer($"{Name}/{_informers.Count}", source, options, _clock, (informerName, e) =>
        {
            _logger?.WatchFailed(e, informerName);
            _onError?.Invoke(informerName, e);
        });
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
            _logger?.Starting(workers);
            var loop = new ControllerLoop(Name, Queue, reconciler, workers, _clock, (key, e) => _onError?.Invoke($"{Name} {key}", e), _metrics, _logger);
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
