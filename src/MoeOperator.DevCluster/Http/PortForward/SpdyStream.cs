using System.Threading.Channels;

namespace MoeOperator.DevCluster.Http.PortForward;

/// <summary>
/// One stream of a <see cref="SpdySession"/> that the peer opened: its headers, the data it sends (until its FIN or a
/// reset), and this side's half, which ends with <see cref="FinishAsync"/>.
/// </summary>
internal sealed class SpdyStream(SpdySession session, int id, IReadOnlyList<(string Name, string Value)> headers) : IDisposable
{
    private readonly Channel<byte[]> _received = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _reset = new();
    private int _finished;

    public int Id => id;

    public IReadOnlyList<(string Name, string Value)> Headers => headers;

    /// <summary>Cancelled when the peer resets the stream or the connection ends.</summary>
    public CancellationToken Reset => _reset.Token;

    public string? Header(string name) => headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The next bytes the peer sent; null once it finished its half or reset the stream.</summary>
    public async Task<byte[]?> ReadAsync(CancellationToken token)
    {
        try
        {
            return await _received.Reader.ReadAsync(token);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken token)
    {
        for (var offset = 0; offset < data.Length; offset += SpdyFrame.MaxData)
        {
            var chunk = data.Slice(offset, Math.Min(SpdyFrame.MaxData, data.Length - offset));
            await session.SendAsync(SpdyFrame.Data(id, 0, chunk.Span), token);
        }
    }

    /// <summary>Ends this side's half (a FIN), once; nothing after a reset.</summary>
    public async Task FinishAsync(CancellationToken token)
    {
        if (Interlocked.Exchange(ref _finished, 1) == 0 && !_reset.IsCancellationRequested)
        {
            await session.SendAsync(SpdyFrame.Data(id, SpdyFrame.Fin, []), token);
        }
    }

    internal void Received(byte[] data) => _received.Writer.TryWrite(data);

    internal void PeerFinished() => _received.Writer.TryComplete();

    internal void PeerReset()
    {
        _received.Writer.TryComplete();
        _reset.Cancel();
    }

    public void Dispose() => _reset.Dispose();
}
