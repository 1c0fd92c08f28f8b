using System.Threading.Channels;

namespace MoeOperator.DevCluster.Storage;

/// <summary>A live watch on one resource: events arrive in revision order on <see cref="Events"/>.</summary>
public sealed class WatchSubscription : IDisposable
{
    private readonly Channel<StoredEvent> _channel = Channel.CreateUnbounded<StoredEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<WatchSubscription> _onDispose;

    internal WatchSubscription(string groupResource, string? ns, Action<WatchSubscription> onDispose)
    {
        GroupResource = groupResource;
        Namespace = ns;
        _onDispose = onDispose;
    }

    /// <summary>The watched group and resource.</summary>
    public string GroupResource { get; }

    /// <summary>The watched namespace; null watches all.</summary>
    public string? Namespace { get; }

    /// <summary>The store's resourceVersion when the watch started.</summary>
    public long StartRevision { get; internal set; }

    /// <summary>How many synthetic ADDED events for existing objects lead the stream (watches started without a resourceVersion).</summary>
    public int InitialEvents { get; internal set; }

    /// <summary>The events, oldest first.</summary>
    public ChannelReader<StoredEvent> Events => _channel.Reader;

    internal bool Matches(ObjectKey key) => key.GroupResource == GroupResource && (Namespace is null || key.Namespace == Namespace);

    internal void Deliver(StoredEvent stored) => _channel.Writer.TryWrite(stored);

    /// <summary>Whether the stream was closed; events still buffered are then dropped, as a broken connection loses them.</summary>
    public bool IsClosed { get; private set; }

    /// <summary>Ends the stream for the reader (for fault injection and server shutdown).</summary>
    public void Close()
    {
        IsClosed = true;
        _channel.Writer.TryComplete();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Close();
        _onDispose(this);
    }
}
