using k8s;
using Microsoft.Extensions.Logging;
using MoeOperator.Runtime.Controllers;
using MoeOperator.Runtime.Leadership;
using MoeOperator.Runtime.Metrics;

namespace MoeOperator.Runtime.Hosting;

/// <summary>
/// The operator process: serves /metrics, /healthz and /readyz, waits for the leader-election lease, runs every
/// controller while it leads, and stops them all the moment leadership is lost. <see cref="RunAsync"/> then returns
/// <see cref="LeadershipLostExitCode"/> so the process exits and its pod restarts as a fresh candidate, as
/// controller-runtime does; a process that lost the lease never keeps reconciling.
/// </summary>
public sealed class OperatorHost(OperatorOptions options, Kubernetes client, RuntimeMetrics metrics, ILoggerFactory logs, TimeProvider clock)
{
    /// <summary>The exit code after leadership was lost.</summary>
    public const int LeadershipLostExitCode = 1;

    private readonly ILogger _log = logs.CreateLogger("operator");
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(ControllerRegistration Registration, Controller Controller, IReconciler Reconciler)> _controllers = [];
    private LeaderElection? _election;
    private volatile bool _leading;

    /// <summary>Where /metrics answers, once <see cref="Listening"/> has completed (null when off).</summary>
    public Uri? MetricsUrl { get; private set; }

    /// <summary>Where /healthz and /readyz answer, once <see cref="Listening"/> has completed (null when off).</summary>
    public Uri? ProbeUrl { get; private set; }

    /// <summary>Completes once the HTTP endpoints listen.</summary>
    public Task Listening => _listening.Task;

    /// <summary>Whether this process runs the controllers now.</summary>
    public bool IsLeading => _leading;

    /// <summary>What /readyz answers now.</summary>
    public (bool Ready, string Reason) Readiness() => Hosting.Readiness.Evaluate(
        _leading,
        _election?.CurrentLeader,
        options.LeaderElection?.Identity,
        [.. _controllers.Select(c => (c.Registration.Name, c.Controller.HasSynced))]);

    /// <summary>Runs until cancelled (returns 0) or until leadership is lost (returns <see cref="LeadershipLostExitCode"/>).</summary>
    public async Task<int> RunAsync(IReadOnlyList<ControllerRegistration> registrations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        var context = new OperatorContext(client, clock, metrics, logs, options.Namespaces, options.Informers);
        foreach (var registration in registrations)
        {
            var (controller, reconciler) = registration.Build(context);
            _controllers.Add((registration, controller, reconciler));
        }

        await using var endpoints = new ProbeEndpoints(metrics, Readiness);
        try
        {
            await endpoints.StartAsync(options.MetricsAddress, options.ProbeAddress, cancellationToken);
        }
        catch (Exception e)
        {
            _listening.TrySetException(e);
            throw;
        }

        MetricsUrl = endpoints.MetricsUrl;
        ProbeUrl = endpoints.ProbeUrl;
        _listening.TrySetResult();
        _log.Serving(
            MetricsUrl is null ? "(off)" : $"{MetricsUrl}metrics",
            ProbeUrl is null ? "(off)" : $"{ProbeUrl}healthz and {ProbeUrl}readyz",
            options.Namespaces.Count == 0 ? "all namespaces" : string.Join(", ", options.Namespaces));

        if (options.LeaderElection is not { } election)
        {
            await RunControllersAsync(cancellationToken);
            return 0;
        }

        _election = new LeaderElection(client, election, metrics);
        _log.WaitingForLease(election.Namespace, election.LeaseName, election.Identity);
        await _election.RunAsync(RunControllersAsync, cancellationToken);
        if (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }

        _log.LeadershipLost();
        return LeadershipLostExitCode;
    }

    private async Task RunControllersAsync(CancellationToken cancellationToken)
    {
        _leading = true;
        _log.Leading(_controllers.Count);
        try
        {
            await Task.WhenAll(_controllers.Select(c => c.Controller.RunAsync(c.Reconciler, c.Registration.Workers, cancellationToken)));
            // Controllers return only when cancelled; with none registered the leader still leads until then.
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping, or leadership lost.
        }
        finally
        {
            _leading = false;
            _log.Stopped();
        }
    }
}
