using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using MoeOperator.Runtime.Controllers;
using MoeOperator.Runtime.Informers;
using MoeOperator.Testing;

namespace MoeOperator.Runtime.Tests.Controllers;

/// <summary>Updates that arrive on the dev API server while their object is being reconciled.</summary>
public sealed class UpdateDuringReconcileTests : IAsyncLifetime
{
    private const string Ns = "busy";
    private DevClusterSession _session = null!;

    public async Task InitializeAsync() => _session = await DevClusterSession.StartAsync(Ns);

    public async Task DisposeAsync() => await _session.DisposeAsync();

    [Fact]
    public async Task TwoUpdatesDuringAReconcile_TriggerExactlyOneMoreReconcile_WhichSeesTheLatest()
    {
        var controller = new Controller("blocking", TimeProvider.System);
        var cache = controller.For(new KubernetesListWatchSource(_session.Client, $"/api/v1/namespaces/{Ns}/configmaps"), new InformerOptions { ResyncPeriod = TimeSpan.Zero });
        var reconciler = new BlockingReconciler(cache.Cache);

        // Handlers run in the order they were added, so this one runs after the controller's has queued the key:
        // waiting on the cache alone would release the reconcile before the last event had reached the queue.
        var latestQueued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cache.AddHandler(change =>
        {
            if ((string?)change.Object["data"]?["v"] == "3")
            {
                latestQueued.TrySetResult();
            }
        });
        _session.Run(token => controller.RunAsync(reconciler, workers: 2, token));
        await _session.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm" }, Data = new Dictionary<string, string> { ["v"] = "1" } }, Ns);
        await reconciler.Entered.Task.WaitAsync(TimeSpan.FromSeconds(20));

        foreach (var value in new[] { "2", "3" })
        {
            var current = await _session.Client.CoreV1.ReadNamespacedConfigMapAsync("cm", Ns);
            current.Data["v"] = value;
            await _session.Client.CoreV1.ReplaceNamespacedConfigMapAsync(current, "cm", Ns);
        }

        await latestQueued.Task.WaitAsync(TimeSpan.FromSeconds(20));
        reconciler.Release.SetResult();
        await Eventually.HoldsAsync(() => reconciler.Seen.Count >= 2 && controller.Queue.Length == 0 && controller.Queue.InFlight == 0, "the queue to drain after the second reconcile");

        reconciler.Seen.ToList().ShouldBe(["1", "3"], "one reconcile in flight, then exactly one more that sees the latest data");
        controller.Queue.Length.ShouldBe(0);
    }

    private sealed class BlockingReconciler(ObjectCache cache) : IReconciler
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<string?> Seen { get; } = new();

        public async Task<ReconcileResult> ReconcileAsync(ObjectReference key, CancellationToken cancellationToken)
        {
            var value = (string?)cache.Get(key)?["data"]?["v"];
            if (Entered.TrySetResult())
            {
                await Release.Task.WaitAsync(cancellationToken);
            }

            Seen.Enqueue(value);
            return ReconcileResult.Done;
        }
    }
}
