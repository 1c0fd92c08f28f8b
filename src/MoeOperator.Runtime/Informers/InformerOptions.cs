namespace MoeOperator.Runtime.Informers;

/// <summary>Timings of an informer.</summary>
public sealed record InformerOptions
{
    /// <summary>A watch that delivers nothing, not even a bookmark, for this long is restarted.</summary>
    public TimeSpan WatchdogTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often every cached object is handed to the handlers again (0 turns resync off).</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>First delay before reconnecting after a failure; it doubles up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan InitialReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest delay between reconnects.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);
}
