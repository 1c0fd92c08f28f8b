using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace MoeOperator.Worker.Communication;

/// <summary>
/// <see cref="ICommunicator"/> over TCP: a full mesh of connections, one per pair of ranks, set up after a
/// rendezvous (<see cref="RendezvousServer"/>). Collectives send to all peers and receive from all peers at once,
/// so large all-to-alls cannot deadlock on full socket buffers.
/// </summary>
public sealed class TcpCommunicator : ICommunicator
{
    private readonly PeerLink?[] _links;
    private readonly TimeSpan _timeout;

    private TcpCommunicator(int rank, PeerLink?[] links, TimeSpan timeout)
    {
        Rank = rank;
        _links = links;
        _timeout = timeout;
    }

    public int Rank { get; }

    public int WorldSize => _links.Length;

    /// <summary>Meets the group at the rendezvous server and connects to every peer.</summary>
    public static async Task<TcpCommunicator> ConnectAsync(CommunicatorOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.RendezvousTimeout);
        var listener = new TcpListener(options.ListenAddress, 0);
        listener.Start(options.WorldSize);
        try
        {
            var own = (IPEndPoint)listener.LocalEndpoint;
            var table = await MeetAsync(options, $"{own.Address}:{own.Port}", deadline.Token);
            var links = new PeerLink?[options.WorldSize];
            var accepting = AcceptLowerAsync(listener, options, links, deadline.Token);
            for (var peer = 0; peer < options.Rank; peer++)
            {
                links[peer] = await DialAsync(table[peer], peer, options.Rank, deadline.Token);
            }

            await accepting;
            return new TcpCommunicator(options.Rank, links, options.OperationTimeout);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CommunicatorException($"rank {options.Rank}: the group of {options.WorldSize} did not assemble at {options.Master}:{options.MasterPort} within {options.RendezvousTimeout}");
        }
        finally
        {
            listener.Stop();
            listener.Dispose();
        }
    }

    public Task<byte[][]> AllToAllAsync(IReadOnlyList<byte[]> send, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(send);
        if (send.Count != WorldSize)
        {
            throw new ArgumentException($"all-to-all needs one buffer per rank ({WorldSize}), got {send.Count}", nameof(send));
        }

        return TimedAsync("all-to-all", async token =>
        {
            var received = new byte[WorldSize][];
            received[Rank] = send[Rank];
            var sends = Peers().Select(p => _links[p]!.SendAsync(send[p], token));
            var receives = Peers().Select(async p => received[p] = await _links[p]!.ReceiveAsync(token));
            await Task.WhenAll(sends.Concat(receives));
            return received;
        }, cancellationToken);
    }

    public Task<byte[][]> AllGatherAsync(byte[] mine, CancellationToken cancellationToken) =>
        AllToAllAsync([.. Enumerable.Repeat(mine, WorldSize)], cancellationToken);

    public Task<byte[]> BroadcastAsync(byte[] data, int root, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, WorldSize);
        return TimedAsync("broadcast", async token =>
        {
            if (Rank != root)
            {
                return await _links[root]!.ReceiveAsync(token);
            }

            await Task.WhenAll(Peers().Select(p => _links[p]!.SendAsync(data, token)));
            return data;
        }, cancellationToken);
    }

    public async Task<double[]> AllReduceSumAsync(double[] values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        var bytes = new byte[values.Length * sizeof(double)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)), values[i]);
        }

        var all = await AllGatherAsync(bytes, cancellationToken);
        if (all.Any(b => b.Length != bytes.Length))
        {
            throw new CommunicatorException($"all-reduce: ranks passed different lengths ({string.Join(", ", all.Select(b => b.Length / sizeof(double)))})");
        }

        var sum = new double[values.Length];
        foreach (var buffer in all)
        {
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += BinaryPrimitives.ReadDoubleLittleEndian(buffer.AsSpan(i * sizeof(double)));
            }
        }

        return sum;
    }

    public Task BarrierAsync(CancellationToken cancellationToken) => AllGatherAsync([], cancellationToken);

    public Task SendAsync(int peer, byte[] data, CancellationToken cancellationToken) =>
        TimedAsync($"send to rank {peer}", async token =>
        {
            await Link(peer).SendAsync(data, token);
            return true;
        }, cancellationToken);

    public Task<byte[]> ReceiveAsync(int peer, CancellationToken cancellationToken) =>
        TimedAsync($"receive from rank {peer}", token => Link(peer).ReceiveAsync(token), cancellationToken);

    public ValueTask DisposeAsync()
    {
        foreach (var link in _links)
        {
            link?.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private static async Task<string[]> MeetAsync(CommunicatorOptions options, string endpoint, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var master = await ConnectWithRetryAsync(options.Master, options.MasterPort, cancellationToken);
            var hello = JsonSerializer.SerializeToUtf8Bytes(new RendezvousHello(options.Rank, options.WorldSize, endpoint, options.Attempt), RendezvousHello.Options);
            await Frames.WriteAsync(master.GetStream(), hello, cancellationToken);
            var answer = await Frames.ReadAsync(master.GetStream(), cancellationToken)
                ?? throw new CommunicatorException($"rank {options.Rank}: the rendezvous server at {options.Master}:{options.MasterPort} closed without an answer");
            var reply = JsonSerializer.Deserialize<RendezvousReply>(answer, RendezvousHello.Options);
            if (reply?.Error is { } error && error.StartsWith(RendezvousServer.OtherAttempt, StringComparison.Ordinal))
            {
                // The server of another attempt (the previous run still shutting down, or this one's not yet up):
                // wait for this attempt's, within the rendezvous timeout.
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                continue;
            }

            return reply?.Endpoints ?? throw new CommunicatorException($"rank {options.Rank}: rendezvous refused: {reply?.Error ?? "no table"}");
        }
    }

    /// <summary>Pods of a group start in any order: the master may not resolve or listen yet.</summary>
    private static async Task<TcpClient> ConnectWithRetryAsync(string host, int port, CancellationToken cancellationToken)
    {
        while (true)
        {
            var client = new TcpClient();
            try
            {
                await client.ConnectAsync(host, port, cancellationToken);
                return client;
            }
            catch (SocketException)
            {
                client.Dispose();
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }
    }

    private static async Task<PeerLink> DialAsync(string endpoint, int peer, int rank, CancellationToken cancellationToken)
    {
        var separator = endpoint.LastIndexOf(':');
        var client = await ConnectWithRetryAsync(endpoint[..separator], int.Parse(endpoint[(separator + 1)..], System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        client.NoDelay = true;
        var hello = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(hello, rank);
        await Frames.WriteAsync(client.GetStream(), hello, cancellationToken);
        return new PeerLink(peer, client);
    }

    /// <summary>Ranks above this one dial it; each says who it is first.</summary>
    private static async Task AcceptLowerAsync(TcpListener listener, CommunicatorOptions options, PeerLink?[] links, CancellationToken cancellationToken)
    {
        for (var expected = options.WorldSize - 1 - options.Rank; expected > 0; expected--)
        {
            var client = await listener.AcceptTcpClientAsync(cancellationToken);
            client.NoDelay = true;
            var hello = await Frames.ReadAsync(client.GetStream(), cancellationToken);
            var peer = hello is { Length: 4 } ? BinaryPrimitives.ReadInt32LittleEndian(hello) : -1;
            if (peer <= options.Rank || peer >= options.WorldSize || links[peer] is not null)
            {
                client.Dispose();
                throw new CommunicatorException($"rank {options.Rank}: unexpected connection claiming rank {peer}");
            }

            links[peer] = new PeerLink(peer, client);
        }
    }

    private IEnumerable<int> Peers() => Enumerable.Range(0, WorldSize).Where(p => p != Rank);

    private PeerLink Link(int peer) =>
        peer >= 0 && peer < WorldSize && peer != Rank ? _links[peer]! : throw new ArgumentOutOfRangeException(nameof(peer), peer, $"a peer is a rank in 0..{WorldSize - 1} other than {Rank}");

    private async Task<T> TimedAsync<T>(string operation, Func<CancellationToken, Task<T>> run, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            return await run(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CommunicatorException($"rank {Rank}: {operation} did not complete within {_timeout}; a peer is stuck or gone");
        }
    }
}
