namespace MoeOperator.Worker.Communication;

/// <summary>
/// Collective and point-to-point communication among the ranks of one expert-parallel group. Every rank calls the
/// collectives in the same order (SPMD); a peer that dies or stays silent past the timeout fails the call with a
/// <see cref="CommunicatorException"/> naming the peer.
/// </summary>
public interface ICommunicator : IAsyncDisposable
{
    int Rank { get; }

    int WorldSize { get; }

    /// <summary>All-to-all with variable sizes: <paramref name="send"/>[r] goes to rank r; the result's [r] came from rank r.</summary>
    Task<byte[][]> AllToAllAsync(IReadOnlyList<byte[]> send, CancellationToken cancellationToken);

    /// <summary>Every rank's buffer, indexed by rank.</summary>
    Task<byte[][]> AllGatherAsync(byte[] mine, CancellationToken cancellationToken);

    /// <summary><paramref name="root"/>'s buffer on every rank (others pass anything, typically empty).</summary>
    Task<byte[]> BroadcastAsync(byte[] data, int root, CancellationToken cancellationToken);

    /// <summary>Element-wise sums over ranks, added in rank order so every rank gets the identical result.</summary>
    Task<double[]> AllReduceSumAsync(double[] values, CancellationToken cancellationToken);

    /// <summary>Returns once every rank has called it.</summary>
    Task BarrierAsync(CancellationToken cancellationToken);

    Task SendAsync(int peer, byte[] data, CancellationToken cancellationToken);

    Task<byte[]> ReceiveAsync(int peer, CancellationToken cancellationToken);
}
