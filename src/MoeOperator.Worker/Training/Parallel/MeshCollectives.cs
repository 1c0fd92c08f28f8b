namespace MoeOperator.Worker.Training.Parallel;

/// <summary>Collectives over a subset of a mesh's ranks. Every member calls with the same ranks, in the same order, and the same tag.</summary>
public static class MeshCollectives
{
    /// <summary>send[i] goes to ranks[i]; the result's [i] came from ranks[i].</summary>
    public static byte[][] AllToAll(ITrainingMesh mesh, IReadOnlyList<int> ranks, string tag, IReadOnlyList<byte[]> send)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentNullException.ThrowIfNull(ranks);
        ArgumentNullException.ThrowIfNull(send);
        var received = new byte[ranks.Count][];
        for (var i = 0; i < ranks.Count; i++)
        {
            if (ranks[i] == mesh.Rank)
            {
                received[i] = send[i];
            }
            else
            {
                mesh.Send(ranks[i], tag, send[i]);
            }
        }

        for (var i = 0; i < ranks.Count; i++)
        {
            received[i] ??= mesh.Receive(ranks[i], tag);
        }

        return received;
    }

    /// <summary>Element-wise sums, added in the order of <paramref name="ranks"/> so that every member gets the identical result.</summary>
    public static double[] AllReduceSum(ITrainingMesh mesh, IReadOnlyList<int> ranks, string tag, double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (ranks.Count == 1)
        {
            return values;
        }

        var bytes = new byte[values.Length * sizeof(double)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        var all = AllToAll(mesh, ranks, tag, [.. ranks.Select(_ => bytes)]);
        var sum = new double[values.Length];
        foreach (var part in all)
        {
            if (part.Length != bytes.Length)
            {
                throw new InvalidOperationException($"all-reduce '{tag}': a peer sent {part.Length / sizeof(double)} values, this rank {values.Length}: ranks disagree on what they reduce");
            }

            var other = new double[values.Length];
            Buffer.BlockCopy(part, 0, other, 0, part.Length);
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += other[i];
            }
        }

        return sum;
    }
}
