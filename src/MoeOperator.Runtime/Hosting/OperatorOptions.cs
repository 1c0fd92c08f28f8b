using System.Net;
using MoeOperator.Runtime.Informers;
using MoeOperator.Runtime.Leadership;

namespace MoeOperator.Runtime.Hosting;

/// <summary>How the operator process runs: its endpoints, leader election (null: off) and what it watches.</summary>
public sealed record OperatorOptions
{
    /// <summary>Where /metrics listens (null: off).</summary>
    public IPEndPoint? MetricsAddress { get; init; }

    /// <summary>Where /healthz and /readyz listen (null: off).</summary>
    public IPEndPoint? ProbeAddress { get; init; }

    /// <summary>The Lease that keeps one replica reconciling (null: this process always reconciles).</summary>
    public LeaderElectionOptions? LeaderElection { get; init; }

    /// <summary>Namespaces to watch; empty means every namespace.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>Informer timings.</summary>
    public InformerOptions Informers { get; init; } = new();
}
