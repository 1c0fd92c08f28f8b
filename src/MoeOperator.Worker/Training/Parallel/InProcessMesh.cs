namespace MoeOperator.Worker.Training.Parallel;

/// <summary>A mesh whose ranks are threads of one process (tests, benchmarks and `moe-worker train --local`).</summary>
public sealed class InProcessMesh
{
    private readonly Mailbox[] _mailboxes;

    public InProcessMesh(int worldSize, TimeSpan timeout)
    {
        _mailboxes = [.. Enumerable.Range(0, worldSize).Select(rank => new Mailbox(rank, timeout))];
    }

    public int WorldSize => _mailboxes.Length;

    public ITrainingMesh For(int rank) => new Endpoint(this, rank);

    private sealed class Endpoint(InProcessMesh owner, int rank) : ITrainingMesh
    {
        public int Rank => rank;

        public int WorldSize => owner.WorldSize;

        public void Send(int peer, string tag, byte[] payload) => owner._mailboxes[peer].Deposit(rank, tag, payload);

        public byte[] Receive(int peer, string tag) => owner._mailboxes[rank].Take(peer, tag);
    }
}
