namespace MoeOperator.Worker.Training.Parallel;

/// <summary>
/// Tagged point-to-point messages among all ranks of a training job (pipeline x data). A send never waits for the
/// receiver; a receive waits for the oldest message from that peer with that tag. Tags keep pipeline activations,
/// expert dispatch and gradient reductions apart even when the schedule interleaves them on one link.
/// </summary>
public interface ITrainingMesh
{
    int Rank { get; }

    int WorldSize { get; }

    void Send(int peer, string tag, byte[] payload);

    /// <exception cref="Communication.CommunicatorException">The peer's message did not come within the mesh's timeout, or the peer is gone.</exception>
    byte[] Receive(int peer, string tag);
}
