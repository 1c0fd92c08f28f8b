using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace MoeOperator.DevCluster.Http.PortForward;

/// <summary>
/// The server side of a SPDY/3.1 connection as Kubernetes streaming clients use it (kubectl port-forward): the peer
/// opens streams (SYN_STREAM, answered at once with an empty SYN_REPLY, which the client waits for), sends data on
/// them, finishes or resets them, and pings. Each opened stream goes to the handler; the session ends when the
/// transport does or the peer says GOAWAY, and then every stream still open is reset.
/// </summary>
internal sealed class SpdySession(Stream transport) : IDisposable
{
    private const int CancelStatus = 5;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly SpdyHeaderInflater _inflater = new();
    private readonly SpdyHeaderDeflater _deflater = new();
    private readonly ConcurrentDictionary<int, SpdyStream> _streams = new();
    private readonly List<SpdyStream> _opened = [];

    /// <summary>Reads frames until the connection ends; returns once every handler has returned.</summary>
    public async Task RunAsync(Func<SpdyStream, Task> onStream, CancellationToken token)
    {
        var handlers = new List<Task>();
        try
        {
            while (await SpdyFrame.ReadAsync(transport, token) is { } frame)
            {
                if (!frame.IsControl)
                {
                    OnData(frame);
                    continue;
                }

                switch (frame.Type)
                {
                    case SpdyControlType.SynStream:
                        handlers.Add(await OpenAsync(frame, onStream, token));
                        break;
                    case SpdyControlType.RstStream when _streams.TryRemove(frame.ControlStreamId, out var reset):
                        reset.PeerReset();
                        break;
                    case SpdyControlType.Ping:
                        await SendAsync(SpdyFrame.Control(SpdyControlType.Ping, 0, frame.Payload), token);
                        break;
                    case SpdyControlType.Headers:
                        // Read only to keep the header stream's compression state in step with the peer's.
                        _inflater.Read(frame.Payload.AsSpan(4));
                        break;
                    case SpdyControlType.GoAway:
                        return;
                    default:
                        // SETTINGS and WINDOW_UPDATE: the streams here are too small for flow control to matter.
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client hung up; what it left open is reset below.
        }
        catch (InvalidDataException)
        {
            // Not SPDY/3.1 as this server speaks it (another version, a header block that does not inflate): the
            // connection is dropped, which the client reports as lost.
        }
        finally
        {
            foreach (var stream in _streams.Values)
            {
                stream.PeerReset();
            }

            _streams.Clear();
            await Task.WhenAll(handlers);
        }
    }

    public async Task SendAsync(byte[] frame, CancellationToken token)
    {
        await _writing.WaitAsync(token);
        try
        {
            await transport.WriteAsync(frame, token);
            await transport.FlushAsync(token);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Resets a stream this side gives up on (CANCEL).</summary>
    public async Task ResetAsync(SpdyStream stream, CancellationToken token)
    {
        if (_streams.TryRemove(stream.Id, out _))
        {
            var payload = new byte[8];
            BinaryPrimitives.WriteInt32BigEndian(payload, stream.Id);
            BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(4), CancelStatus);
            stream.PeerReset();
            await SendAsync(SpdyFrame.Control(SpdyControlType.RstStream, 0, payload), token);
        }
    }

    // SYN_STREAM: stream id, associated stream id, priority and slot (2 bytes), then the header block.
    private async Task<Task> OpenAsync(SpdyFrame frame, Func<SpdyStream, Task> onStream, CancellationToken token)
    {
        var id = frame.ControlStreamId;
        var stream = new SpdyStream(this, id, _inflater.Read(frame.Payload.AsSpan(10)));
        _streams[id] = stream;
        _opened.Add(stream);
        var block = _deflater.Compress([]);
        var reply = new byte[4 + block.Length];
        BinaryPrimitives.WriteInt32BigEndian(reply, id);
        block.CopyTo(reply, 4);
        await SendAsync(SpdyFrame.Control(SpdyControlType.SynReply, 0, reply), token);
        if (frame.Finishes)
        {
            stream.PeerFinished();
        }

        return Task.Run(() => onStream(stream), CancellationToken.None);
    }

    private void OnData(SpdyFrame frame)
    {
        if (!_streams.TryGetValue(frame.StreamId, out var stream))
        {
            return;
        }

        if (frame.Payload.Length > 0)
        {
            stream.Received(frame.Payload);
        }

        if (frame.Finishes)
        {
            stream.PeerFinished();
        }
    }

    public void Dispose()
    {
        foreach (var stream in _opened)
        {
            stream.Dispose();
        }

        _writing.Dispose();
        _inflater.Dispose();
        _deflater.Dispose();
    }
}
