using MoeOperator.Worker.Tensors;
using MoeOperator.Worker.Training.Parallel;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Model;

/// <summary>
/// DeepSeek-V3's MoE: routed experts weighted by the gate plus shared experts every token passes through. Alone it
/// loops over its experts as model.py does; in an expert-parallel group it holds only its block of experts and sends
/// each (token, choice) row to the member holding the chosen expert (<see cref="ExpertAllToAll"/>) and back.
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
        var first = (group?.Index ?? 0) * _expertsPerMember;
        _gate = new RoutingGate(args);
        _experts = new NamedModules<FeedForward>(Enumerable.Range(first, _expertsPerMember).Select(e => (e, new FeedForward(args.Dim, args.MoeInterDim, args.DType))));
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
            var hits = indices.eq(e).nonzero();
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

    // Rows ordered by the member that holds their expert; the experts' ids travel ahead of the rows so the receiver
    // knows which expert each row is for, and the weighting and the sum per token stay with the token's owner.
    private Tensor RouteAcross(ExpertParallelGroup group, Tensor x, Tensor weights, long[] chosen)
    {
        var k = _args.ActivatedExperts;
        var order = Enumerable.Range(0, chosen.Length).OrderBy(p => chosen[p] / _expertsPerMember).ThenBy(p => p).ToArray();
        var sendCounts = new long[group.Size];
        var idsTo = Enumerable.Range(0, group.Size).Select(_ => new List<long>()).ToArray();
        foreach (var p in order)
        {
            var member = (int)(chosen[p] / _expertsPerMember);
            sendCounts[member]++;
            idsTo[member].Add(chosen[p]);
        }

        var idsFrom = group.Exchange([.. idsTo.Select(list => list.ToArray())]);
        var receiveCounts = idsFrom.Select(ids => (long)ids.Length).ToArray();
        var pairIndex = tensor(order.Select(p => (long)p).ToArray());
        var tokenIndex = tensor(order.Select(p => (long)(p / k)).ToArray());
        var received = ExpertAllToAll.Apply(x.index_select(0, tokenIndex), group, sendCounts, receiveCounts);

        var receivedIds = idsFrom.SelectMany(ids => ids).ToArray();
        var computed = zeros_like(received);
        foreach (var (e, expert) in _experts.Children)
        {
            var rows = Enumerable.Range(0, receivedIds.Length).Where(r => receivedIds[r] == e).Select(r => (long)r).ToArray();
            if (rows.Length > 0)
            {
                var index = tensor(rows);
                computed = computed.IndexAdd(0, index, expert.forward(received.index_select(0, index)));
            }
        }

        var returned = ExpertAllToAll.Apply(computed, group, receiveCounts, sendCounts);
        var weighted = returned * weights.view(-1).index_select(0, pairIndex).unsqueeze(1);
        return zeros_like(x).IndexAdd(0, tokenIndex, weighted);
    }
}
