using MoeOperator.Worker.Tensors;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Moe;

/// <summary>
/// DeepSeek-V3 routing: scores = sigmoid(x W^T); for choosing, scores.Plus(bias) (the load-balancing bias, here also how
/// a benchmark skews routing); each group is ranked by the sum of its two best choice scores, the best
/// <c>TopkGroups</c> groups are kept, and the top-k experts among them win. Weights are the winners' unbiased scores
/// normalised to sum to one.
/// </summary>
public sealed class GroupLimitedGate(Tensor weight, MoeShape shape)
{
    /// <summary>Expert ids [T, K] (int64) and weights [T, K] (float32) for tokens [T, hidden].</summary>
    public (Tensor Ids, Tensor Weights) Route(Tensor x, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var tokens = x.shape[0];
        var scores = x.matmul(weight.t()).sigmoid();
        var choice = bias is null ? scores : scores.Plus(bias);
        var perGroup = Math.Min(2, shape.ExpertsPerGroup);
        var groupScores = choice.view(tokens, shape.ExpertGroups, shape.ExpertsPerGroup).topk(perGroup, dim: 2).values.sum(2);
        var bestGroups = groupScores.topk(shape.TopkGroups, dim: 1).indexes;
        var groupMask = zeros_like(groupScores).scatter_(1, bestGroups, ones(bestGroups.shape, groupScores.dtype));
        var expertMask = groupMask.unsqueeze(2).expand(tokens, shape.ExpertGroups, shape.ExpertsPerGroup).reshape(tokens, shape.Experts);
        var masked = choice.masked_fill(expertMask.eq(HeldScalars.Zero), HeldScalars.NegativeInfinity);
        var ids = masked.topk(shape.Topk, dim: 1).indexes;
        var chosen = scores.gather(1, ids);
        var weights = chosen / chosen.sum(1, keepdim: true);
        return (ids.MoveToOuterDisposeScope(), weights.MoveToOuterDisposeScope());
    }
}
