using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace MoeOperator.Worker.Communication;

/// <summary>
/// The group's meeting point, run by the process that holds rank 0 (on MOE_MASTER_ADDR:MOE_MASTER_PORT): every
/// rank says who it is and where it listens; once all <c>worldSize</c> ranks have arrived, each gets the full
/// table of endpoints and the server is done. Duplicate or out-of-range ranks, and ranks of another restart attempt of
/// the group, are answered with an error.
/// </summary>
public sealed class RendezvousServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _worldSize;

    private readonly int _attempt;

    private RendezvousServer(TcpListener listener, int worldSize, int attempt)
    {
        _listener = listener;
        _worldSize = worldSize;
        _attempt = attempt;
    }

    /// <summary>What a refusal of a rank of another restart attempt starts with: that rank waits for its own group's server.</summary>
    public const string OtherAttempt = "attempt ";

    private int _arrived;

    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Ranks that have arrived so far.</summary>
    public int Arrived => Volatile.Read(ref _arrived);

    public static RendezvousServer Start(IPEndPoint address, int worldSize, int attempt = 0)
    {
        var listener = new TcpListener(address);
        listener.Start(worldSize);
        return new RendezvousServer(listener, worldSize, attempt);
    }

    /// <summary>Gathers every rank, sends each the table, and returns it.</summary>
    public async Task<string[]> RunAsync(CancellationToken cancellationToken)
    {
        var arrivals = new Dictionary<int, (TcpClient Client, string Endpoint)>();
        try
        {
            while (arrivals.Count < _worldSize)
            {
                var client = await _listener.AcceptTcpClientAsync(cancellationToken);
                var hello = await Frames.ReadAsync(client.GetStream(), cancellationToken);
                var request = hello is null ? null : JsonSerializer.Deserialize<RendezvousHello>(hello, RendezvousHello.Options);
                var problem = request switch
                {
                    null => "empty hello",
                    { Attempt: var a } when a != _attempt => $"{OtherAttempt}{a} is not this group's restart attempt {_attempt}",
                    { WorldSize: var w } when w != _worldSize => $"world size {w} differs from the group's {_worldSize}",
                    { Rank: var r } when r < 0 || r >= _worldSize => $"rank {r} is outside 0..{_worldSize - 1}",
                    { Rank: var r } when arrivals.ContainsKey(r) => $"rank {r} arrived twice",
                    _ => null,
                };
                if (problem is not null)
                {
                    await Frames.WriteAsync(client.GetStream(), JsonSerializer.SerializeToUtf8Bytes(new RendezvousReply(null, problem), RendezvousHello.Options), cancellationToken);
                    client.Dispose();
                    continue;
                }

                arrivals[request!.Rank] = (client, request.Endpoint);
                Interlocked.Increment(ref _arrived);
            }

            var table = Enumerable.Range(0, _worldSize).Select(r => arrivals[r].Endpoint).ToArray();
            var reply = JsonSerializer.SerializeToUtf8Bytes(new RendezvousReply(table, null), RendezvousHello.Options);
            await Task.WhenAll(arrivals.Values.Select(a => Frames.WriteAsync(a.Client.GetStream(), reply, cancellationToken)));
            return table;
        }
        finally
        {
            foreach (var (client, _) in arrivals.Values)
            {
                client.Dispose();
            }

            _listener.Stop();
        }
    }

    public ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}

internal sealed record RendezvousHello(int Rank, int WorldSize, string Endpoint, int Attempt = 0)
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}

internal sealed record RendezvousReply(string[]? Endpoints, string? Error);
