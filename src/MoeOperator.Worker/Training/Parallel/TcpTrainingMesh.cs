using System.Buffers.Binary;
using System.Text;
using System.Threading.Channels;
using MoeOperator.Worker.Communication;

namespace MoeOperator.Worker.Training.Parallel;

/// <summary>
/// The mesh of a training job's pods over a connected <see cref="ICommunicator"/>: each frame carries its tag; one
/// reader per peer files incoming frames into the mailbox and one writer per peer drains an unbounded queue, so a
/// send never waits for the receiver and a receive waits only for its own message.
/// </summary>
public sealed class TcpTrainingMesh : ITrainingMesh, IAsyncDisposable
{
    private readonly ICommunicator _communicator;
    private readonly Mailbox _mailbox;
    private readonly Channel<byte[]>?[] _outgoing;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _readers = [];
    private readonly List<Task> _writers = [];

    public TcpTrainingMesh(ICommunicator communicator, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        _communicator = communicator;
        _mailbox = new Mailbox(communicator.Rank, timeout);
        _outgoing = new Channel<byte[]>?[communicator.WorldSize];
        foreach (var peer in Enumerable.Range(0, communicator.WorldSize).Where(p => p != communicator.Rank))
        {
            var channel = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
            _outgoing[peer] = channel;
            _readers.Add(Task.Run(() => ReadAsync(peer, _stop.Token)));
            _writers.Add(Task.Run(() => WriteAsync(peer, channel.Reader, _stop.Token)));
        }
    }

    public int Rank => _communicator.Rank;

    public int WorldSize => _communicator.WorldSize;

    public void Send(int peer, string tag, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(tag);
        ArgumentNullException.ThrowIfNull(payload);
        if (peer == Rank)
        {
            _mailbox.Deposit(peer, tag, payload);
            return;
        }

        var tagBytes = Encoding.UTF8.GetBytes(tag);
        var frame = new byte[2 + tagBytes.Length + payload.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(frame, (ushort)tagBytes.Length);
        tagBytes.CopyTo(frame, 2);
        payload.CopyTo(frame, 2 + tagBytes.Length);
        if (!_outgoing[peer]!.Writer.TryWrite(frame))
        {
            throw new CommunicatorException($"rank {Rank}: the link to rank {peer} is closed");
        }
    }

    public byte[] Receive(int peer, string tag) => _mailbox.Take(peer, tag);

    private async Task ReadAsync(int peer, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var frame = await _communicator.ReceiveAsync(peer, cancellationToken);
                var length = BinaryPrimitives.ReadUInt16LittleEndian(frame);
                _mailbox.Deposit(peer, Encoding.UTF8.GetString(frame, 2, length), frame[(2 + length)..]);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is CommunicatorException or IOException)
        {
            _mailbox.Break(peer, e);
        }
    }

    private async Task WriteAsync(int peer, ChannelReader<byte[]> frames, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var frame in frames.ReadAllAsync(cancellationToken))
            {
                await _communicator.SendAsync(peer, frame, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is CommunicatorException or IOException)
        {
            _mailbox.Break(peer, e);
        }
    }

    /// <summary>Sends what is queued (bounded by <paramref name="drain"/>), then stops the loops.</summary>
    public async Task FlushAsync(TimeSpan drain)
    {
        foreach (var channel in _outgoing)
        {
            channel?.Writer.TryComplete();
        }

        await Task.WhenAny(Task.WhenAll(_writers), Task.Delay(drain));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var channel in _outgoing)
        {
            channel?.Writer.TryComplete();
        }

        await Task.WhenAll(_readers.Concat(_writers).Select(l => l.ContinueWith(_ => { }, TaskScheduler.Default)));
        _stop.Dispose();
    }
}
