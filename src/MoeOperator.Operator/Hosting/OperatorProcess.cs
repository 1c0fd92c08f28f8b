using k8s;
using Microsoft.Extensions.Logging;
using MoeOperator.Controllers;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Hosting;
using MoeOperator.Runtime.Metrics;

namespace MoeOperator.Hosting;

/// <summary>
/// Assembles the operator from its flags: the API client (kubeconfig or in-cluster service account, with QPS and
/// burst limits and request metrics), the logs, the registered kinds' controllers, and the host that runs them.
/// <c>moe operator</c> runs it as the process; <c>moe dev up</c> runs it beside the dev cluster.
/// </summary>
internal sealed class OperatorProcess : IDisposable
{
    private const string InClusterNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
    private readonly Kubernetes _client;
    private readonly ILoggerFactory _logs;
    private readonly IReadOnlyList<ControllerRegistration> _controllers;

    /// <summary>Checks the flags and builds the process; throws <see cref="ArgumentException"/> naming a bad flag.</summary>
    public OperatorProcess(OperatorFlags flags, IReadOnlyList<IKindModule> kinds, KubernetesClientConfiguration? configuration = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(flags);
        clock ??= TimeProvider.System;
        configuration ??= flags.Kubeconfig is { } path
            ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
            : KubernetesClientConfiguration.BuildDefaultConfig();
        var options = flags.ToOptions(DefaultNamespace(configuration), Identity());
        _logs = OperatorLogging.Create(flags.LogLevel, flags.LogFormat);
        Metrics = new RuntimeMetrics(Prometheus.Metrics.NewCustomRegistry());
        _client = OperatorClient.Create(configuration, flags.KubeApiQps, flags.KubeApiBurst, Metrics, clock);
        var settings = new OperatorSettings(flags.WorkerImage ?? OperatorSettings.DefaultWorkerImage) { Ledger = new Planning.Placement.PlacementLedger(clock) };
        _controllers = [.. kinds.Select(k => k.Controller(settings)).OfType<ControllerRegistration>()];
        Host = new OperatorHost(options, _client, Metrics, _logs, clock);
    }

    /// <summary>The running host (endpoints, leadership).</summary>
    public OperatorHost Host { get; }

    /// <summary>The process's metrics.</summary>
    public RuntimeMetrics Metrics { get; }

    /// <summary>Runs until cancelled (0) or until leadership is lost (non-zero).</summary>
    public Task<int> RunAsync(CancellationToken cancellationToken) => Host.RunAsync(_controllers, cancellationToken);

    public void Dispose()
    {
        _client.Dispose();
        _logs.Dispose();
    }

    // The pod's name (the chart sets POD_NAME) identifies the leader in the Lease; elsewhere host name and a
    // random suffix, as client-go does, so two processes on one machine never share an identity.
    private static string Identity() =>
        Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod
            ? pod
            : $"{Environment.MachineName}_{Guid.NewGuid():N}";

    private static string DefaultNamespace(KubernetesClientConfiguration configuration)
    {
        if (Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } pod)
        {
            return pod;
        }

        if (File.Exists(InClusterNamespaceFile))
        {
            return File.ReadAllText(InClusterNamespaceFile).Trim();
        }

        return configuration.Namespace is { Length: > 0 } ns ? ns : "default";
    }
}
