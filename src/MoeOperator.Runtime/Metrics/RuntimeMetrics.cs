using MoeOperator.Runtime.Controllers;
using MoeOperator.Runtime.Queue;
using Prometheus;

namespace MoeOperator.Runtime.Metrics;

/// <summary>
/// The controller-runtime metrics, under controller-runtime's names and labels so that existing dashboards and
/// alerts work: reconciles, errors, reconcile time, active workers, the work queue family, leader status and
/// REST client requests. One instance per registry; the operator uses one registry for the process.
/// </summary>
public sealed class RuntimeMetrics : IWorkQueueMetrics, IControllerMetrics
{
    private static readonly double[] _latencyBuckets = Histogram.ExponentialBuckets(0.005, 2, 16);
    private readonly Counter _reconcileTotal;
    private readonly Counter _reconcileErrors;
    private readonly Histogram _reconcileTime;
    private readonly Gauge _activeWorkers;
    private readonly Gauge _depth;
    private readonly Counter _adds;
    private readonly Counter _retries;
    private readonly Histogram _queueDuration;
    private readonly Histogram _workDuration;
    private readonly Gauge _leader;
    private readonly Counter _restRequests;

    public RuntimeMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _reconcileTotal = factory.CreateCounter("controller_runtime_reconcile_total", "Total number of reconciliations per controller", "controller", "result");
        _reconcileErrors = factory.CreateCounter("controller_runtime_reconcile_errors_total", "Total number of reconciliation errors per controller", "controller");
        _reconcileTime = factory.CreateHistogram("controller_runtime_reconcile_time_seconds", "Length of time per reconciliation per controller",
            new HistogramConfiguration { LabelNames = ["controller"], Buckets = _latencyBuckets });
        _activeWorkers = factory.CreateGauge("controller_runtime_active_workers", "Number of currently used workers per controller", "controller");
        _depth = factory.CreateGauge("workqueue_depth", "Current depth of workqueue", "name");
        _adds = factory.CreateCounter("workqueue_adds_total", "Total number of adds handled by workqueue", "name");
        _retries = factory.CreateCounter("workqueue_retries_total", "Total number of retries handled by workqueue", "name");
        _queueDuration = factory.CreateHistogram("workqueue_queue_duration_seconds", "How long in seconds an item stays in workqueue before being requested",
            new HistogramConfiguration { LabelNames = ["name"], Buckets = _latencyBuckets });
        _workDuration = factory.CreateHistogram("workqueue_work_duration_seconds", "How long in seconds processing an item from workqueue takes",
            new HistogramConfiguration { LabelNames = ["name"], Buckets = _latencyBuckets });
        _leader = factory.CreateGauge("leader_election_master_status", "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master", "name");
        _restRequests = factory.CreateCounter("rest_client_requests_total", "Number of HTTP requests, partitioned by status code, method, and host", "code", "method", "host");
    }

    /// <summary>The registry the metrics live in.</summary>
    public CollectorRegistry Registry { get; }

    public void Added(string queue) => _adds.WithLabels(queue).Inc();

    public void Retried(string queue) => _retries.WithLabels(queue).Inc();

    public void Depth(string queue, int depth) => _depth.WithLabels(queue).Set(depth);

    public void Dequeued(string queue, TimeSpan waited, int depth)
    {
        _queueDuration.WithLabels(queue).Observe(waited.TotalSeconds);
        _depth.WithLabels(queue).Set(depth);
    }

    public void Reconciled(string controller, string result, TimeSpan duration)
    {
        _reconcileTotal.WithLabels(controller, result).Inc();
        // The error counter exists at 0 from the first reconcile, so rate() and the errors panel see the first error.
        var errors = _reconcileErrors.WithLabels(controller);
        if (result == "error")
        {
            errors.Inc();
        }

        _reconcileTime.WithLabels(controller).Observe(duration.TotalSeconds);
        _workDuration.WithLabels(controller).Observe(duration.TotalSeconds);
    }

    public void ActiveWorkers(string controller, int count) => _activeWorkers.WithLabels(controller).Set(count);

    /// <summary>Whether this process holds the named lease (1) or stands by (0).</summary>
    public void Leader(string lease, bool isLeader) => _leader.WithLabels(lease).Set(isLeader ? 1 : 0);

    /// <summary>One request of the API client finished.</summary>
    public void RestRequest(string code, string method, string host) => _restRequests.WithLabels(code, method, host).Inc();

    /// <summary>The metrics in the Prometheus text format.</summary>
    public async Task<string> ExportAsync(CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(buffer, cancellationToken);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
