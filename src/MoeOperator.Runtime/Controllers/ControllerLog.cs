using Microsoft.Extensions.Logging;

namespace MoeOperator.Runtime.Controllers;

/// <summary>The controllers' log lines (source-generated, so a disabled level costs nothing).</summary>
internal static partial class ControllerLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch of {Informer} failed; reconnecting with backoff")]
    public static partial void WatchFailed(this ILogger logger, Exception error, string informer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Caches synced; starting {Workers} workers")]
    public static partial void Starting(this ILogger logger, int workers);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconciler error, not retried: {Reason}")]
    public static partial void TerminalError(this ILogger logger, Exception error, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Conflict, requeued: {Reason}")]
    public static partial void Conflict(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconciler error, retrying with backoff")]
    public static partial void RetriedError(this ILogger logger, Exception error);
}
