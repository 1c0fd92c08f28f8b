using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Parallel;

/// <summary>
/// The ranks that split one stage's routed experts between them (contiguous blocks: member i holds experts
/// [i E/n, (i+1) E/n)). Every member makes the same sequence of exchanges, forward and backward, so a running
/// count names each exchange on the wire.
/// </summary>
public sealed class ExpertParallelGroup(ITrainingMesh mesh, IReadOnlyList<int> ranks)
{
    private long _exchanges;
    private Exception? _failure;

    public int Size => ranks.Count;

    public int Index { get; } = IndexOf(ranks, mesh.Rank);

    /// <summary>send[i] goes to member i; the result's [i] came from member i.</summary>
    public long[][] Exchange(long[][] send)
    {
        ArgumentNullException.ThrowIfNull(send);
        var bytes = send.Select(part =>
        {
            var b = new byte[part.Length * sizeof(long)];
            Buffer.BlockCopy(part, 0, b, 0, b.Length);
            return b;
        }).ToArray();
        return [.. MeshCollectives.AllToAll(mesh, ranks, NextTag(), bytes).Select(b =>
        {
            var part = new long[b.Length / sizeof(long)];
            Buffer.BlockCopy(b, 0, part, 0, b.Length);
            return part;
        })];
    }

    /// <summary>Rows [sum(sendCounts), d] split by <paramref name="sendCounts"/> to the members; returns the rows received, member by member.</summary>
    public Tensor Exchange(Tensor rows, long[] sendCounts)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(sendCounts);
        var parts = rows.split(sendCounts, 0).Select(TensorBytes.Encode).ToArray();
        var received = MeshCollectives.AllToAll(mesh, ranks, NextTag(), parts).Select(TensorBytes.Decode).ToArray();
        return cat(received, 0);
    }

    /// <summary>
    /// Records a failure met where it cannot be thrown: inside autograd's backward, which runs in native code that an
    /// exception must not cross (the process would abort). The caller of autograd checks <see cref="ThrowIfFailed"/>.
    /// </summary>
    public void Fail(Exception failure) => Interlocked.CompareExchange(ref _failure, failure, null);

    /// <exception cref="Communication.CommunicatorException">An exchange inside a backward pass failed.</exception>
    public void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw failure as Communication.CommunicatorException ?? new Communication.CommunicatorException($"expert-parallel exchange failed: {failure.Message}", failure);
        }
    }

    private string NextTag() => $"ep/{Interlocked.Increment(ref _exchanges)}";

    private static int IndexOf(IReadOnlyList<int> ranks, int rank)
    {
        for (var i = 0; i < ranks.Count; i++)
        {
            if (ranks[i] == rank)
            {
                return i;
            }
        }

        throw new ArgumentException($"rank {rank} is not in the expert-parallel group [{string.Join(", ", ranks)}]", nameof(ranks));
    }
}
