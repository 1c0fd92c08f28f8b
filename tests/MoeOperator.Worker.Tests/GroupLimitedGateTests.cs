using MoeOperator.Worker.Moe;
using MoeOperator.Worker.Tensors;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Tests;

public sealed class GroupLimitedGateTests
{
    [Fact]
    public void RoutesLikeTheFloat64Reference_OnlyWithinTheBestGroups()
    {
        TorchRuntime.EnsureLoaded();
        var shape = new MoeShape(24, 24, 32, 8, 3, 6);
        var reference = Weights.Reference(5, shape);
        using var gateWeight = ModelWeights.Gate(5, shape);
        using var generator = new Generator(11);
        using var x = randn(64, shape.Hidden, ScalarType.Float32, generator: generator);
        var bias = Enumerable.Range(0, shape.Experts).Select(e => e % 5 * 0.05).ToArray();
        using var biasTensor = tensor(bias.Select(b => (float)b).ToArray());

        var (ids, weights) = new GroupLimitedGate(gateWeight, shape).Route(x, biasTensor);
        using (ids)
        using (weights)
        {
            var tokens = x.data<float>().ToArray();
            var idRows = ids.data<long>().ToArray();
            var weightRows = weights.data<float>().ToArray();
            for (var t = 0; t < 64; t++)
            {
                var (expectedIds, expectedWeights) = reference.Route(tokens.AsSpan(t * shape.Hidden, shape.Hidden), bias);
                var got = idRows.Skip(t * shape.Topk).Take(shape.Topk).Select(i => (int)i).ToArray();
                got.ShouldBe(expectedIds, $"token {t}");
                got.Select(e => e / shape.ExpertsPerGroup).Distinct().Count().ShouldBeLessThanOrEqualTo(shape.TopkGroups);
                for (var k = 0; k < shape.Topk; k++)
                {
                    ((double)weightRows[(t * shape.Topk) + k]).ShouldBe(expectedWeights[k], 1e-5);
                }
            }
        }
    }

    [Theory]
    [InlineData(16, 3, 1, 2, "multiple of expert groups")]
    [InlineData(16, 4, 5, 2, "top-k groups (5) must be in 1..4")]
    [InlineData(16, 4, 1, 5, "top-k (5) must be in 1..4")]
    public void AShapeThatCannotRoute_IsRejectedWithTheReason(int experts, int groups, int topkGroups, int topk, string message) =>
        new MoeShape(8, 8, experts, groups, topkGroups, topk).Problem().ShouldNotBeNull().ShouldContain(message);
}
