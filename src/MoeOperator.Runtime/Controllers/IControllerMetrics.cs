namespace MoeOperator.Runtime.Controllers;

/// <summary>What a controller loop reports (controller_runtime_* metrics); the metrics layer implements it.</summary>
public interface IControllerMetrics
{
    /// <summary>Reports nothing.</summary>
    static IControllerMetrics None { get; } = new NoMetrics();

    /// <summary>One reconcile finished with result success, requeue, requeue_after, conflict (a 409, requeued) or error, taking <paramref name="duration"/>.</summary>
    void Reconciled(string controller, string result, TimeSpan duration);

    /// <summary>Workers currently reconciling (controller_runtime_active_workers).</summary>
    void ActiveWorkers(string controller, int count);

    private sealed class NoMetrics : IControllerMetrics
    {
        public void Reconciled(string controller, string result, TimeSpan duration)
        {
        }

        public void ActiveWorkers(string controller, int count)
        {
        }
    }
}
