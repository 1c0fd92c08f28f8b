using MoeOperator.Worker.Communication;

namespace MoeOperator.Worker.Training.Parallel;

/// <summary>
/// A mesh whose ranks are threads of one process (tests, benchmarks and single-machine runs): each rank's mailbox
/// keeps queues by (peer, tag).
/// </summary>
public sealed class InProcessMesh
{
    private readonly Dictionary<(int From, string Tag), Queue<byte[]>>[] _mailboxes;
    private readonly TimeSpan _timeout;

    public InProcessMesh(int worldSize, TimeSpan timeout)
    {
        _mailboxes = [.. Enumerable.Range(0, worldSize).Select(_ => new Dictionary<(int, string), Queue<byte[]>>())];
        _timeout = timeout;
    }

    public int WorldSize => _mailboxes.Length;

    public ITrainingMesh For(int rank) => new Endpoint(this, rank);

    private sealed class Endpoint(InProcessMesh owner, int rank) : ITrainingMesh
    {
        public int Rank => rank;

        public int WorldSize => owner.WorldSize;

        public void Send(int peer, string tag, byte[] payload)
        {
            var box = owner._mailboxes[peer];
            lock (box)
            {
                if (!box.TryGetValue((rank, tag), out var queue))
                {
                    box[(rank, tag)] = queue = new Queue<byte[]>();
                }

                queue.Enqueue(payload);
                Monitor.PulseAll(box);
            }
        }

        public byte[] Receive(int peer, string tag)
        {
            var box = owner._mailboxes[rank];
            var deadline = DateTime.UtcNow + owner._timeout;
            lock (box)
            {
                while (true)
                {
                    if (box.TryGetValue((peer, tag), out var queue) && queue.Count > 0)
                    {
                        return queue.Dequeue();
                    }

                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero || !Monitor.Wait(box, left))
                    {
                        if (box.TryGetValue((peer, tag), out queue) && queue.Count > 0)
                        {
                            return queue.Dequeue();
                        }

                        throw new CommunicatorException($"rank {rank} waited {owner._timeout} for '{tag}' from rank {peer}: the ranks' schedules disagree or rank {peer} failed");
                    }
                }
            }
        }
    }
}
