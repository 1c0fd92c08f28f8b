using MoeOperator.Worker.Moe;
using MoeOperator.Worker.Tensors;
using MoeOperator.Worker.Training.Parallel;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Model;

/// <summary>
/// DeepSeek-V3's MoE: routed experts weighted by the gate plus shared experts every token passes through. Alone it
/// loops over its experts as model.py does; in an expert-parallel group it holds only its block of experts, and
/// dispatch and combine follow the EPGroup worker's <see cref="DispatchPlan"/> through <see cref="ExpertAllToAll"/>.
/// It counts the tokens each expert received, for the balance update after the step.
/// </summary>
internal sealed class MixtureOfExperts : nn.Module<Tensor, Tensor>
{
    private readonly ModelArgs _args;
    private readonly RoutingGate _gate;
    private readonly NamedModules<FeedForward> _experts;
    private readonly FeedForward _shared;
    private readonly ExpertParallelGroup? _group;
    private readonly int _expertsPerMember;
    private readonly ExpertMap _map;

    public MixtureOfExperts(ModelArgs args, ExpertParallelGroup? group) : base(nameof(MixtureOfExperts))
    {
        _args = args;
        _group = group;
        var members = group?.Size ?? 1;
        if (args.RoutedExperts % members != 0)
        {
            throw new ArgumentException($"routed experts ({args.RoutedExperts}) must be divisible by the expert-parallel size ({members})", nameof(group));
        }

        _expertsPerMember = args.RoutedExperts / members;
        _map = ExpertMap.Identity(args.RoutedExperts, members);
        var first = (group?.Index ?? 0) * _expertsPerMember;
        _gate = new RoutingGate(args);
        _experts = new NamedModules<FeedForward>(Enumerable.Range(first, _expertsPerMember).Select(e => (e, new FeedForward(args.Dim, args.MoeInterDim, args.DType, args.ExpertPrecision))));
        _shared = new FeedForward(args.Dim, args.SharedExperts * args.MoeInterDim, args.DType);
        register_module("gate", _gate);
        register_module("experts", _experts);
        register_module("shared_experts", _shared);
        Load = new long[args.RoutedExperts];
    }

    public RoutingGate Gate => _gate;

    /// <summary>Tokens this rank routed to each expert since the last reset (one per top-k choice).</summary>
    public long[] Load { get; }

    public override Tensor forward(Tensor input)
    {
        var shape = input.shape;
        var x = input.view(-1, _args.Dim);
        var (weights, indices) = _gate.forward(x);
        var chosen = indices.data<long>().ToArray();
        foreach (var e in chosen)
        {
            Load[e]++;
        }

        var routed = _group is { Size: > 1 } group ? RouteAcross(group, x, weights, chosen) : RouteLocally(x, weights, indices);
        return routed.Plus(_shared.forward(x)).view(shape);
    }

    private Tensor RouteLocally(Tensor x, Tensor weights, Tensor indices)
    {
        var y = zeros_like(x);
        foreach (var (e, expert) in _experts.Children)
        {
            var hits = indices.EqualTo(e).nonzero();
            if (hits.shape[0] == 0)
            {
                continue;
            }

            var (rows, slots) = (hits.select(1, 0), hits.select(1, 1));
            var weight = weights.index_select(0, rows).gather(1, slots.unsqueeze(1));
            y = y.IndexAdd(0, rows, expert.forward(x.index_select(0, rows)) * weight);
        }

        return y;
    }

    // DeepEP's dispatch and combine as the EPGroup worker plans them (DispatchPlan): a token goes once to each member
    // holding any of its experts, with those experts' ids and gate weights; that member weights and sums its experts'
    // outputs for the token (the combine happens on the expert side), and one row per (token, member) comes back to
    // be summed. The rows and the weights travel through ExpertAllToAll, so both get their gradients back.
    private Tensor RouteAcross(ExpertParallelGroup group, Tensor x, Tensor weights, long[] chosen)
    {
        var k = _args.ActivatedExperts;
        var ids = chosen.Select(c => (int)c).ToArray();
        var plan = DispatchPlan.Create(ids, new float[ids.Length], (int)x.shape[0], k, _map, group.Index, group.Size, _args.RoutedExperts);
        var entries = plan.PerRank.SelectMany(p => p).ToList();
        var sendCounts = plan.PerRank.Select(p => (long)p.Count).ToArray();

        // Each entry's choices as k columns: the expert (-1 past the last) and where its gate weight is in weights.
        var entryIds = new long[entries.Count * k];
        var weightAt = new long[entries.Count * k];
        var present = new double[entries.Count * k];
        Array.Fill(entryIds, -1);
        for (var i = 0; i < entries.Count; i++)
        {
            var (token, slots) = (entries[i].Token, entries[i].Slots);
            for (var j = 0; j < slots.Length; j++)
            {
                var expert = _map.PhysicalToLogical[slots[j]];
                entryIds[(i * k) + j] = expert;
                weightAt[(i * k) + j] = Array.IndexOf(ids, expert, token * k, k);
                present[(i * k) + j] = 1;
            }
        }

        var tokenIndex = tensor(entries.Select(e => (long)e.Token).ToArray());
        var sendWeights = weights.reshape(-1).index_select(0, tensor(weightAt)) * tensor(present, weights.dtype);
        var offsets = sendCounts.Select((_, r) => sendCounts.Take(r).Sum()).ToArray();
        var idsFrom = group.Exchange([.. sendCounts.Select((count, r) => entryIds.AsSpan((int)(offsets[r] * k), (int)(count * k)).ToArray())]);
        var receiveCounts = idsFrom.Select(received => (long)(received.Length / k)).ToArray();
        var received = ExpertAllToAll.Apply(x.index_select(0, tokenIndex), group, sendCounts, receiveCounts);
        var receivedWeights = ExpertAllToAll.Apply(sendWeights.view(-1, k), group, sendCounts, receiveCounts).reshape(-1);

        var receivedIds = idsFrom.SelectMany(received => received).ToArray();
        var combined = zeros_like(received);
        foreach (var (e, expert) in _experts.Children)
        {
            var positions = Enumerable.Range(0, receivedIds.Length).Where(p => receivedIds[p] == e).Select(p => (long)p).ToArray();
            if (positions.Length > 0)
            {
                var rows = tensor(positions.Select(p => p / k).ToArray());
                var weight = receivedWeights.index_select(0, tensor(positions)).unsqueeze(1);
                combined = combined.IndexAdd(0, rows, expert.forward(received.index_select(0, rows)) * weight);
            }
        }

        var returned = ExpertAllToAll.Apply(combined, group, receiveCounts, sendCounts);
        return zeros_like(x).IndexAdd(0, tokenIndex, returned);
    }
}
