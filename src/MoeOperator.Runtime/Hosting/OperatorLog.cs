using Microsoft.Extensions.Logging;

namespace MoeOperator.Runtime.Hosting;

/// <summary>The operator host's log lines.</summary>
internal static partial class OperatorLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Serving metrics at {MetricsUrl} and probes at {ProbeUrl}; watching {Scope}")]
    public static partial void Serving(this ILogger logger, string metricsUrl, string probeUrl, string scope);

    [LoggerMessage(Level = LogLevel.Information, Message = "Waiting for the lease {Namespace}/{Lease} as {Identity}")]
    public static partial void WaitingForLease(this ILogger logger, string @namespace, string lease, string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leading: starting {Count} controllers")]
    public static partial void Leading(this ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Controllers stopped")]
    public static partial void Stopped(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Leader election lost: every controller has stopped; exiting so that the process restarts as a candidate")]
    public static partial void LeadershipLost(this ILogger logger);
}
