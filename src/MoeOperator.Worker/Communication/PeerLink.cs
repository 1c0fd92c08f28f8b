using System.Net.Sockets;

namespace MoeOperator.Worker.Communication;

/// <summary>The connection to one peer: messages in each direction arrive in the order they were sent.</summary>
internal sealed class PeerLink(int peer, TcpClient client) : IDisposable
{
    private readonly NetworkStream _stream = client.GetStream();
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly SemaphoreSlim _reading = new(1, 1);

    public int Peer { get; } = peer;

    public async Task SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            await Frames.WriteAsync(_stream, payload, cancellationToken);
        }
        catch (IOException e)
        {
            throw new CommunicatorException($"sending to rank {Peer} failed: its connection is gone (has the rank exited?)", e);
        }
        finally
        {
            _writing.Release();
        }
    }

    public async Task<byte[]> ReceiveAsync(CancellationToken cancellationToken)
    {
        await _reading.WaitAsync(cancellationToken);
        try
        {
            return await Frames.ReadAsync(_stream, cancellationToken)
                ?? throw new CommunicatorException($"rank {Peer} closed its connection (has the rank exited?)");
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new CommunicatorException($"receiving from rank {Peer} failed: {e.Message}", e);
        }
        finally
        {
            _reading.Release();
        }
    }

    public void Dispose()
    {
        client.Dispose();
        _writing.Dispose();
        _reading.Dispose();
    }
}
