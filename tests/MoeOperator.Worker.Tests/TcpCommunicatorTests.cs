using System.Net;
using MoeOperator.Testing;
using MoeOperator.Worker.Communication;

namespace MoeOperator.Worker.Tests;

public sealed class TcpCommunicatorTests
{
    [Fact]
    public async Task AllToAll_DeliversVariableSizedBuffers_FromEachRankToEachRank()
    {
        await using var group = await InProcessGroup.StartAsync(3);
        var received = await group.OnEveryRankAsync(c => c.AllToAllAsync(
            [.. Enumerable.Range(0, 3).Select(to => Enumerable.Repeat((byte)((10 * c.Rank) + to), (c.Rank * 1000) + to).ToArray())],
            CancellationToken.None));

        for (var to = 0; to < 3; to++)
        {
            for (var from = 0; from < 3; from++)
            {
                var buffer = received[to][from];
                buffer.Length.ShouldBe((from * 1000) + to, $"rank {to} from rank {from}");
                buffer.ShouldAllBe(b => b == (byte)((10 * from) + to));
            }
        }
    }

    [Fact]
    public async Task LargeAllToAll_DoesNotDeadlockOnFullSocketBuffers()
    {
        await using var group = await InProcessGroup.StartAsync(2);
        var received = await group.OnEveryRankAsync(c => c.AllToAllAsync([new byte[8 << 20], new byte[8 << 20]], CancellationToken.None));
        received.ShouldAllBe(r => r.All(b => b.Length == 8 << 20));
    }

    [Fact]
    public async Task AllReduce_SumsInRankOrder_IdenticallyOnEveryRank()
    {
        await using var group = await InProcessGroup.StartAsync(4);
        var sums = await group.OnEveryRankAsync(c => c.AllReduceSumAsync([c.Rank, 0.1 * c.Rank, 1e16 * (c.Rank == 0 ? 1 : 0)], CancellationToken.None));
        foreach (var sum in sums)
        {
            sum[0].ShouldBe(6);
            sum[1].ShouldBe(0.6, 1e-12);
            sum.ShouldBe(sums[0], "every rank adds in the same order, so results are bit-identical");
        }
    }

    [Fact]
    public async Task BroadcastAllGatherSendReceiveAndBarrier_Work()
    {
        await using var group = await InProcessGroup.StartAsync(3);
        var broadcast = await group.OnEveryRankAsync(c => c.BroadcastAsync(c.Rank == 2 ? [42, 43] : [], 2, CancellationToken.None));
        broadcast.ShouldAllBe(b => b.SequenceEqual(new byte[] { 42, 43 }));

        var gathered = await group.OnEveryRankAsync(c => c.AllGatherAsync([(byte)c.Rank], CancellationToken.None));
        gathered.ShouldAllBe(g => g.Select(b => (int)b[0]).SequenceEqual(new[] { 0, 1, 2 }));

        var ring = await group.OnEveryRankAsync(async c =>
        {
            var sending = c.SendAsync((c.Rank + 1) % 3, [(byte)c.Rank], CancellationToken.None);
            var got = await c.ReceiveAsync((c.Rank + 2) % 3, CancellationToken.None);
            await sending;
            await c.BarrierAsync(CancellationToken.None);
            return got[0];
        });
        ring.ShouldBe(new byte[] { 2, 0, 1 });
    }

    [Fact]
    public async Task APeerThatCloses_FailsTheCollectiveNamingIt()
    {
        await using var group = await InProcessGroup.StartAsync(3);
        await group.Ranks[2].DisposeAsync();
        var failure = await Should.ThrowAsync<CommunicatorException>(() => group.Ranks[0].AllGatherAsync([1], CancellationToken.None));
        failure.Message.ShouldContain("rank 2");
    }

    [Fact]
    public async Task ASilentPeer_TimesOutWithAClearMessage()
    {
        await using var group = await InProcessGroup.StartAsync(2, operationTimeout: TimeSpan.FromMilliseconds(300));
        var failure = await Should.ThrowAsync<CommunicatorException>(() => group.Ranks[0].ReceiveAsync(1, CancellationToken.None));
        failure.Message.ShouldContain("receive from rank 1 did not complete within");
    }

    [Fact]
    public async Task Rendezvous_RefusesADuplicateRank_AndTheGroupStillAssembles()
    {
        await using var server = RendezvousServer.Start(new IPEndPoint(IPAddress.Loopback, 0), 2);
        var meeting = server.RunAsync(CancellationToken.None);
        CommunicatorOptions Options(int rank) => new(rank, 2, "127.0.0.1", server.Endpoint.Port, IPAddress.Loopback) { RendezvousTimeout = TimeSpan.FromSeconds(30) };
        var first = TcpCommunicator.ConnectAsync(Options(0), CancellationToken.None);
        await Eventually.HoldsAsync(() => server.Arrived == 1, "rank 0 to arrive");
        var duplicate = await Should.ThrowAsync<CommunicatorException>(() => TcpCommunicator.ConnectAsync(Options(0), CancellationToken.None));
        duplicate.Message.ShouldContain("rank 0 arrived twice");

        await using var second = await TcpCommunicator.ConnectAsync(Options(1), CancellationToken.None);
        await using var firstRank = await first;
        (await meeting).Length.ShouldBe(2);
    }

    [Fact]
    public async Task Rendezvous_ThatNeverCompletes_FailsAfterItsTimeout()
    {
        await using var server = RendezvousServer.Start(new IPEndPoint(IPAddress.Loopback, 0), 2);
        using var stop = new CancellationTokenSource();
        var meeting = server.RunAsync(stop.Token);
        var failure = await Should.ThrowAsync<CommunicatorException>(() => TcpCommunicator.ConnectAsync(
            new CommunicatorOptions(0, 2, "127.0.0.1", server.Endpoint.Port, IPAddress.Loopback) { RendezvousTimeout = TimeSpan.FromMilliseconds(500) },
            CancellationToken.None));
        failure.Message.ShouldContain("did not assemble");
        await stop.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => meeting);
    }

    [Fact]
    public async Task Rendezvous_TurnsAwayARankOfAnotherRestartAttempt_WhichWaitsInsteadOfJoining()
    {
        // The server of attempt 2; a rank of attempt 1 (a pod of the previous run still shutting down) asks too.
        await using var server = RendezvousServer.Start(new IPEndPoint(IPAddress.Loopback, 0), 2, attempt: 2);
        var meeting = server.RunAsync(CancellationToken.None);
        CommunicatorOptions Options(int rank, int attempt, TimeSpan timeout) =>
            new(rank, 2, "127.0.0.1", server.Endpoint.Port, IPAddress.Loopback) { Attempt = attempt, RendezvousTimeout = timeout };

        var stale = await Should.ThrowAsync<CommunicatorException>(() => TcpCommunicator.ConnectAsync(Options(1, attempt: 1, TimeSpan.FromSeconds(2)), CancellationToken.None));
        stale.Message.ShouldContain("did not assemble", customMessage: "the stale rank kept waiting for its own attempt's group and never joined this one");
        server.Arrived.ShouldBe(0);

        var ranks = await Task.WhenAll(Enumerable.Range(0, 2).Select(r => TcpCommunicator.ConnectAsync(Options(r, attempt: 2, TimeSpan.FromSeconds(30)), CancellationToken.None)));
        (await meeting).Length.ShouldBe(2);
        foreach (var rank in ranks)
        {
            await rank.DisposeAsync();
        }
    }
}
