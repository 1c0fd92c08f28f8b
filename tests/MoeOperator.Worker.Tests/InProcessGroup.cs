using System.Net;
using MoeOperator.Worker.Communication;

namespace MoeOperator.Worker.Tests;

/// <summary>A group of TCP communicators in one process, on loopback, met through a real rendezvous server.</summary>
internal sealed class InProcessGroup : IAsyncDisposable
{
    private InProcessGroup(TcpCommunicator[] ranks) => Ranks = ranks;

    public TcpCommunicator[] Ranks { get; }

    public static async Task<InProcessGroup> StartAsync(int size, TimeSpan? operationTimeout = null)
    {
        await using var server = RendezvousServer.Start(new IPEndPoint(IPAddress.Loopback, 0), size);
        var meeting = server.RunAsync(CancellationToken.None);
        var ranks = await Task.WhenAll(Enumerable.Range(0, size).Select(rank => TcpCommunicator.ConnectAsync(
            new CommunicatorOptions(rank, size, "127.0.0.1", server.Endpoint.Port, IPAddress.Loopback)
            {
                RendezvousTimeout = TimeSpan.FromSeconds(30),
                OperationTimeout = operationTimeout ?? TimeSpan.FromSeconds(30),
            },
            CancellationToken.None)));
        await meeting;
        return new InProcessGroup(ranks);
    }

    /// <summary>Runs the same function on every rank at once, as SPMD code does.</summary>
    public Task<T[]> OnEveryRankAsync<T>(Func<TcpCommunicator, Task<T>> work) => Task.WhenAll(Ranks.Select(r => Task.Run(() => work(r))));

    public async ValueTask DisposeAsync()
    {
        foreach (var rank in Ranks)
        {
            await rank.DisposeAsync();
        }
    }
}
