namespace MoeOperator.DevCluster.Storage;

/// <summary>A watch asked to resume from a resourceVersion older than the retained history (HTTP 410 Gone).</summary>
public sealed class ExpiredException(long requested, long oldest)
    : Exception($"too old resource version: {requested} ({oldest})")
{
    /// <summary>The resourceVersion the client asked for.</summary>
    public long Requested { get; } = requested;

    /// <summary>The oldest resourceVersion a watch can still resume from.</summary>
    public long Oldest { get; } = oldest;
}
