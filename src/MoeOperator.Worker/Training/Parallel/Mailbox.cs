using MoeOperator.Worker.Communication;

namespace MoeOperator.Worker.Training.Parallel;

/// <summary>
/// The messages a rank has received and not yet taken, queued by (peer, tag). A receive waits for its own message
/// however the others interleave; a peer whose link broke fails every later receive from it at once.
/// </summary>
internal sealed class Mailbox(int rank, TimeSpan timeout)
{
    private readonly Dictionary<(int From, string Tag), Queue<byte[]>> _queues = [];
    private readonly Dictionary<int, Exception> _broken = [];

    public void Deposit(int from, string tag, byte[] payload)
    {
        lock (_queues)
        {
            if (!_queues.TryGetValue((from, tag), out var queue))
            {
                _queues[(from, tag)] = queue = new Queue<byte[]>();
            }

            queue.Enqueue(payload);
            Monitor.PulseAll(_queues);
        }
    }

    public void Break(int from, Exception reason)
    {
        lock (_queues)
        {
            _broken[from] = reason;
            Monitor.PulseAll(_queues);
        }
    }

    public byte[] Take(int from, string tag)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_queues)
        {
            while (true)
            {
                if (_queues.TryGetValue((from, tag), out var queue) && queue.Count > 0)
                {
                    var payload = queue.Dequeue();
                    if (queue.Count == 0)
                    {
                        _queues.Remove((from, tag));
                    }

                    return payload;
                }

                if (_broken.TryGetValue(from, out var reason))
                {
                    throw new CommunicatorException($"rank {rank} needs '{tag}' from rank {from}, whose connection is gone: {reason.Message}", reason);
                }

                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw new CommunicatorException($"rank {rank} waited {timeout} for '{tag}' from rank {from}: the ranks' schedules disagree or rank {from} is stuck");
                }

                Monitor.Wait(_queues, left);
            }
        }
    }
}
