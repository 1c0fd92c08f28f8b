using MoeOperator.Worker.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Model;

/// <summary>
/// DeepSeek-V3's Gate with sigmoid scores: groups ranked by the sum of their two best biased scores, the best
/// <c>n_limited_groups</c> kept, the top <c>n_activated_experts</c> chosen among them by biased score, weighted by
/// their unbiased scores normalised to one and times <c>route_scale</c>. The bias is the auxiliary-loss-free
/// balance: a buffer the optimiser never touches, moved after each step by <see cref="Training.ExpertBalance"/>.
/// </summary>
internal sealed class RoutingGate : nn.Module<Tensor, (Tensor Weights, Tensor Indices)>
{
    private readonly ModelArgs _args;
    private readonly TorchSharp.Modules.Parameter _weight;
    private readonly Tensor _bias;
    private readonly Scalar _routeScale;

    public RoutingGate(ModelArgs args) : base(nameof(RoutingGate))
    {
        _args = args;
        _weight = new TorchSharp.Modules.Parameter(empty(args.RoutedExperts, args.Dim, args.DType));
        _bias = zeros(args.RoutedExperts, args.DType);
        _routeScale = args.RouteScale.ToScalar();
        register_parameter("weight", _weight);
        register_buffer("bias", _bias);
    }

    /// <summary>The balance bias (one per routed expert), updated in place between steps.</summary>
    public Tensor Bias => _bias;

    /// <param name="input">[tokens, dim].</param>
    /// <returns>Weights [tokens, k] and expert ids [tokens, k].</returns>
    public override (Tensor Weights, Tensor Indices) forward(Tensor input)
    {
        var tokens = input.shape[0];
        var a = _args;
        var original = nn.functional.linear(input, _weight).sigmoid();
        Tensor choice;
        using (no_grad())
        {
            choice = original.detach().Plus(_bias);
            if (a.ExpertGroups > 1)
            {
                var grouped = choice.view(tokens, a.ExpertGroups, -1);
                var groupScores = grouped.topk(Math.Min(2, a.RoutedExperts / a.ExpertGroups), dim: -1).values.sum(-1);
                var kept = groupScores.topk(a.LimitedGroups, dim: -1).indexes;
                var dropped = ones(tokens, a.ExpertGroups, ScalarType.Bool).scatter_(1, kept, zeros(kept.shape, ScalarType.Bool));
                choice = grouped.masked_fill(dropped.unsqueeze(-1), HeldScalars.NegativeInfinity).flatten(1);
            }
        }

        var indices = choice.topk(a.ActivatedExperts, dim: -1).indexes;
        var weights = original.gather(1, indices);
        weights = (weights / weights.sum(-1, keepdim: true)).mul(_routeScale);
        return (weights, indices);
    }
}
