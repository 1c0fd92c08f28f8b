using System.Diagnostics;
using MoeOperator.Worker.Communication;
using MoeOperator.Worker.Tensors;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Moe;

/// <summary>What one forward pass of one rank did.</summary>
/// <param name="Output">[tokens, hidden], row-major.</param>
/// <param name="RoutedPerExpert">Tokens this rank routed to each logical expert (one per top-k choice).</param>
/// <param name="ProcessedPerSlot">(token, slot) pairs this rank's slots computed, by local slot order.</param>
/// <param name="Dispatch">Time from layout to the tokens received.</param>
/// <param name="Combine">Time from the results sent back to the output summed.</param>
/// <param name="DispatchBytes">Bytes sent to other ranks in dispatch.</param>
/// <param name="CombineBytes">Bytes sent to other ranks in combine.</param>
public sealed record MoeStepResult(float[] Output, long[] RoutedPerExpert, long[] ProcessedPerSlot, TimeSpan Dispatch, TimeSpan Combine, long DispatchBytes, long CombineBytes);

/// <summary>
/// One expert-parallel MoE layer on one rank: gate, dispatch (all-to-all of the tokens each rank's slots need),
/// the local experts, combine (all-to-all back, the weighted expert outputs summed per token).
/// </summary>
public sealed class MoeLayer(MoeShape shape, GroupLimitedGate gate, ExpertStore experts, ICommunicator communicator)
{
    /// <param name="tokens">[tokens, hidden] float32.</param>
    /// <param name="bias">Optional routing bias [experts].</param>
    /// <param name="cancellationToken">Stops waiting for peers.</param>
    public async Task<MoeStepResult> ForwardAsync(Tensor tokens, Tensor? bias, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var map = experts.Map;
        var count = (int)tokens.shape[0];
        var input = tokens.contiguous().data<float>().ToArray();
        var (ids, weights) = gate.Route(tokens, bias);
        int[] idArray;
        float[] weightArray;
        using (ids)
        using (weights)
        {
            idArray = [.. ids.data<long>().ToArray().Select(i => (int)i)];
            weightArray = weights.contiguous().data<float>().ToArray();
        }

        var clock = Stopwatch.StartNew();
        var plan = DispatchPlan.Create(idArray, weightArray, count, shape.Topk, map, communicator.Rank, communicator.WorldSize, shape.Experts);
        var outgoing = plan.PerRank.Select(entries => DispatchMessages.EncodeDispatch(entries, input, shape.Hidden)).ToArray();
        var incoming = await communicator.AllToAllAsync(outgoing, cancellationToken);
        var dispatch = clock.Elapsed;

        var (results, processed) = RunExperts(incoming, map);

        clock.Restart();
        var returned = await communicator.AllToAllAsync(results, cancellationToken);
        var output = new float[count * shape.Hidden];
        for (var r = 0; r < returned.Length; r++)
        {
            var rows = DispatchMessages.DecodeRows(returned[r]);
            var entries = plan.PerRank[r];
            for (var e = 0; e < entries.Count; e++)
            {
                var target = output.AsSpan(entries[e].Token * shape.Hidden, shape.Hidden);
                var source = rows.AsSpan(e * shape.Hidden, shape.Hidden);
                for (var h = 0; h < target.Length; h++)
                {
                    target[h] += source[h];
                }
            }
        }

        var combine = clock.Elapsed;
        return new MoeStepResult(output, plan.RoutedPerExpert, processed, dispatch, combine, Remote(outgoing), Remote(results));
    }

    /// <summary>Each received token through the local slots it was routed to, weighted, summed per token; one reply per source rank.</summary>
    private (byte[][] Replies, long[] Processed) RunExperts(byte[][] incoming, ExpertMap map)
    {
        var decoded = incoming.Select(bytes => DispatchMessages.DecodeDispatch(bytes, shape.Hidden)).ToArray();
        var offsets = new int[decoded.Length + 1];
        for (var r = 0; r < decoded.Length; r++)
        {
            offsets[r + 1] = offsets[r] + decoded[r].Entries.Length;
        }

        var total = offsets[^1];
        var firstSlot = communicator.Rank * map.SlotsPerRank;
        var processed = new long[map.SlotsPerRank];
        var rowsBySlot = Enumerable.Range(0, map.SlotsPerRank).Select(_ => (Rows: new List<long>(), Weights: new List<float>())).ToArray();
        for (var r = 0; r < decoded.Length; r++)
        {
            for (var e = 0; e < decoded[r].Entries.Length; e++)
            {
                var entry = decoded[r].Entries[e];
                for (var i = 0; i < entry.Slots.Length; i++)
                {
                    var local = entry.Slots[i] - firstSlot;
                    if (local < 0 || local >= map.SlotsPerRank)
                    {
                        throw new CommunicatorException($"rank {communicator.Rank} received a token for slot {entry.Slots[i]}, which it does not hold under map version {map.Version}: ranks disagree on the map");
                    }

                    rowsBySlot[local].Rows.Add(offsets[r] + e);
                    rowsBySlot[local].Weights.Add(entry.Weights[i]);
                    processed[local]++;
                }
            }
        }

        using var scope = NewDisposeScope();
        var all = tensor(decoded.SelectMany(d => d.Rows).ToArray(), [total, shape.Hidden]);
        var sum = zeros(total, shape.Hidden);
        for (var local = 0; local < rowsBySlot.Length; local++)
        {
            var (rows, slotWeights) = rowsBySlot[local];
            if (rows.Count == 0)
            {
                continue;
            }

            var index = tensor(rows.ToArray());
            var y = experts[firstSlot + local].Forward(all.index_select(0, index)) * tensor(slotWeights.ToArray()).unsqueeze(1);
            sum.IndexAddInPlace(0, index, y);
        }

        var flat = sum.data<float>().ToArray();
        var replies = Enumerable.Range(0, decoded.Length)
            .Select(r => DispatchMessages.EncodeRows(flat.AsSpan(offsets[r] * shape.Hidden, (offsets[r + 1] - offsets[r]) * shape.Hidden)))
            .ToArray();
        return (replies, processed);
    }

    private long Remote(byte[][] buffers) => buffers.Where((_, r) => r != communicator.Rank).Sum(b => (long)b.Length);
}
