using System.Buffers.Binary;
using MoeOperator.Worker.Communication;

namespace MoeOperator.Worker.Moe;

/// <summary>
/// The experts one rank holds, by physical slot, under the current expert map. Switching to a new map moves
/// weights between ranks: each expert a rank newly needs is sent by the lowest rank that held it before (every
/// rank computes the same plan from the two maps), in one all-to-all, at a step boundary.
/// </summary>
public sealed class ExpertStore(int rank, MoeShape shape) : IDisposable
{
    private readonly Dictionary<int, ExpertFfn> _bySlot = [];

    public ExpertMap Map { get; private set; } = new(-1, 0, []);

    /// <summary>Weights moved in by the last switch (bytes received by this rank).</summary>
    public long LastMoveBytes { get; private set; }

    public ExpertFfn this[int slot] => _bySlot.TryGetValue(slot, out var expert)
        ? expert
        : throw new InvalidOperationException($"rank {rank} holds no expert in slot {slot} under map version {Map.Version}");

    /// <summary>Loads this rank's experts for the first map (from the seed, as a checkpoint load would).</summary>
    public void Initialise(ExpertMap map, Func<int, ExpertFfn> create)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(create);
        var loaded = new Dictionary<int, ExpertFfn>();
        foreach (var slot in map.SlotsOf(rank))
        {
            var expert = map.PhysicalToLogical[slot];
            _bySlot[slot] = loaded.TryGetValue(expert, out var same) ? same : loaded[expert] = create(expert);
        }

        Map = map;
    }

    /// <summary>Moves to <paramref name="next"/>; every rank of the group must call it at the same step.</summary>
    public async Task SwitchAsync(ExpertMap next, ICommunicator communicator, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(communicator);
        var ranks = communicator.WorldSize;
        var outgoing = new List<(int Expert, byte[] Weights)>[ranks];
        for (var r = 0; r < ranks; r++)
        {
            outgoing[r] = [];
            foreach (var expert in NeededFrom(next, r).Where(e => SourceOf(e) == rank))
            {
                outgoing[r].Add((expert, Local(expert).ToBytes()));
            }
        }

        var received = await communicator.AllToAllAsync([.. outgoing.Select(Encode)], cancellationToken);
        var arriving = received.Where((_, r) => r != rank).SelectMany(Decode).ToDictionary(p => p.Expert, p => p.Weights);
        LastMoveBytes = arriving.Values.Sum(w => (long)w.Length);

        var nextSlots = new Dictionary<int, ExpertFfn>();
        var byExpert = new Dictionary<int, ExpertFfn>();
        foreach (var slot in next.SlotsOf(rank))
        {
            var expert = next.PhysicalToLogical[slot];
            if (!byExpert.TryGetValue(expert, out var ffn))
            {
                ffn = TryLocal(expert) ?? ExpertFfn.FromBytes(expert, arriving.TryGetValue(expert, out var bytes)
                    ? bytes
                    : throw new CommunicatorException($"rank {rank}: expert {expert} was not sent for map version {next.Version}"), shape);
                byExpert[expert] = ffn;
            }

            nextSlots[slot] = ffn;
        }

        foreach (var stale in _bySlot.Values.Distinct().Where(f => !byExpert.ContainsValue(f)))
        {
            stale.Dispose();
        }

        _bySlot.Clear();
        foreach (var (slot, ffn) in nextSlots)
        {
            _bySlot[slot] = ffn;
        }

        Map = next;

        // Experts rank r must receive: those it will hold and does not hold now.
        IEnumerable<int> NeededFrom(ExpertMap map, int r) =>
            map.SlotsOf(r).Select(s => map.PhysicalToLogical[s]).Distinct().Where(e => !Map.SlotsOf(r).Any(s => Map.PhysicalToLogical[s] == e));

        int SourceOf(int expert) => Map.RankOf(Map.ReplicasOf(expert)[0]);
    }

    public void Dispose()
    {
        foreach (var ffn in _bySlot.Values.Distinct())
        {
            ffn.Dispose();
        }

        _bySlot.Clear();
    }

    private ExpertFfn? TryLocal(int expert) => _bySlot.Values.FirstOrDefault(f => f.Expert == expert);

    private ExpertFfn Local(int expert) => TryLocal(expert) ?? throw new InvalidOperationException($"rank {rank} does not hold expert {expert}");

    private static byte[] Encode(List<(int Expert, byte[] Weights)> experts)
    {
        var bytes = new byte[4 + experts.Sum(e => 8 + e.Weights.Length)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, experts.Count);
        var at = 4;
        foreach (var (expert, weights) in experts)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), expert);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at + 4), weights.Length);
            weights.CopyTo(bytes, at + 8);
            at += 8 + weights.Length;
        }

        return bytes;
    }

    private static IEnumerable<(int Expert, byte[] Weights)> Decode(byte[] bytes)
    {
        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        var at = 4;
        for (var i = 0; i < count; i++)
        {
            var expert = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + 4));
            yield return (expert, bytes[(at + 8)..(at + 8 + length)]);
            at += 8 + length;
        }
    }
}
