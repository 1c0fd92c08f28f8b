using System.Net;

namespace MoeOperator.Worker.Communication;

/// <summary>Where one rank meets its group and how long it waits.</summary>
/// <param name="Rank">This rank.</param>
/// <param name="WorldSize">Ranks in the group.</param>
/// <param name="Master">Host name or address of the rendezvous server (rank 0's pod).</param>
/// <param name="MasterPort">Its port.</param>
/// <param name="ListenAddress">This rank's own address, where peers connect (the pod IP).</param>
public sealed record CommunicatorOptions(int Rank, int WorldSize, string Master, int MasterPort, IPAddress ListenAddress)
{
    /// <summary>How long rendezvous may take: pods of a group start at different times.</summary>
    public TimeSpan RendezvousTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The group's restart attempt: the rendezvous turns away ranks of another attempt.</summary>
    public int Attempt { get; init; }

    /// <summary>How long one collective may wait for a peer before the peer is declared gone.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMinutes(2);
}
