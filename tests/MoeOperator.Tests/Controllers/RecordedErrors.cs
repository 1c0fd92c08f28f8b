using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MoeOperator.Tests.Controllers;

/// <summary>
/// A logger factory for the in-process operator that keeps every exception it logs, with the logger's name, so a
/// test can tell a refused request (an API error, retried) from a crash of the operator's own code.
/// </summary>
internal sealed class RecordedErrors : ILoggerFactory
{
    private readonly ConcurrentQueue<(string Logger, Exception Error)> _errors = new();

    public IReadOnlyCollection<(string Logger, Exception Error)> All => _errors;

    /// <summary>Exceptions that are the operator's own faults: anything but an API answer, a timeout or a cancellation.</summary>
    public List<string> Crashes() =>
        [.. _errors.Where(e => e.Error is not (Runtime.Client.ApiRequestException or k8s.Autorest.HttpOperationException or HttpRequestException or OperationCanceledException or TimeoutException))
            .Select(e => $"{e.Logger}: {e.Error}")];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(RecordedErrors owner, string name) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception is not null)
            {
                owner._errors.Enqueue((name, exception));
            }
        }
    }
}
