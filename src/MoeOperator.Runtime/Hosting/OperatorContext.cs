using k8s;
using Microsoft.Extensions.Logging;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Controllers;
using MoeOperator.Runtime.Informers;
using MoeOperator.Runtime.Metrics;

namespace MoeOperator.Runtime.Hosting;

/// <summary>What a controller needs from the operator process: the client, the clock, metrics, logs and the scope to watch.</summary>
public sealed class OperatorContext(Kubernetes client, TimeProvider clock, RuntimeMetrics metrics, ILoggerFactory logs, IReadOnlyList<string> namespaces, InformerOptions informers)
{
    /// <summary>The API client (rate-limited and counted).</summary>
    public Kubernetes Client { get; } = client;

    /// <summary>The same client for any kind as JSON.</summary>
    public KubernetesJsonClient Json { get; } = new(client);

    /// <summary>The clock every timer uses.</summary>
    public TimeProvider Clock { get; } = clock;

    /// <summary>The process's runtime metrics.</summary>
    public RuntimeMetrics Metrics { get; } = metrics;

    /// <summary>The process's loggers.</summary>
    public ILoggerFactory Logs { get; } = logs;

    /// <summary>Namespaces to watch; empty means every namespace.</summary>
    public IReadOnlyList<string> Namespaces { get; } = namespaces;

    /// <summary>Informer timings.</summary>
    public InformerOptions Informers { get; } = informers;

    /// <summary>List-watch sources for a collection: one per watched namespace, or one across the cluster.</summary>
    public IReadOnlyList<IListWatchSource> Sources(ResourceCollection resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return !resource.Namespaced || Namespaces.Count == 0
            ? [new KubernetesListWatchSource(Client, resource.PathIn(null))]
            : [.. Namespaces.Select(ns => new KubernetesListWatchSource(Client, resource.PathIn(ns)))];
    }

    /// <summary>A new controller whose logs, metrics and clock are the process's.</summary>
    public Controller NewController(string name) =>
        new(name, Clock, Metrics, logger: Logs.CreateLogger($"controller.{name}"));
}
