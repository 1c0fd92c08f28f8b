using MoeOperator.Contract;
using MoeOperator.Worker.Moe;
using MoeOperator.Worker.Tensors;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Tests;

/// <summary>
/// A group restarted onto a rebalanced map (replicas in spare slots) and then moved to the next map, as a group
/// restarted after a failure and rebalanced by the operator is: the layer's output before and after the move must
/// be the float64 reference's, on every rank.
/// </summary>
public sealed class MoeLayerRecoveryTests
{
    private const long Seed = 7;

    [Theory]
    [InlineData(ExpertPrecision.FP32, 5e-6)]
    [InlineData(ExpertPrecision.FP8, 3e-3)]
    public async Task RanksStartedOnARebalancedMap_ThenMovedToTheNext_ComputeTheReferenceLayer(ExpertPrecision precision, double tolerance)
    {
        TorchRuntime.EnsureLoaded();
        var shape = new MoeShape(128, 128, 16, 4, 2, 4, precision);
        // 20 slots on 4 ranks: the restarted group starts on map v2 (experts 0 and 1 replicated), then the operator
        // publishes v3 (other replicas, experts moved between ranks).
        var v2 = new ExpertMap(2, 5, [0, 1, 2, 3, 0, 4, 5, 6, 7, 1, 8, 9, 10, 11, 12, 13, 14, 15, 2, 3]);
        var v3 = new ExpertMap(3, 5, [15, 14, 13, 12, 5, 11, 10, 9, 8, 5, 7, 6, 4, 3, 9, 2, 1, 0, 7, 6]);
        var reference = Weights.Reference(Seed, shape);
        await using var group = await InProcessGroup.StartAsync(4);
        var stores = group.Ranks.Select(r => new ExpertStore(r.Rank, shape)).ToArray();
        try
        {
            foreach (var store in stores)
            {
                store.Initialise(v2, e => ModelWeights.Expert(Seed, e, shape));
            }

            await CheckStepAsync(group, stores, shape, reference, tolerance, step: 0);
            await group.OnEveryRankAsync(async c =>
            {
                await stores[c.Rank].SwitchAsync(v3, c, CancellationToken.None);
                return true;
            });
            stores.ShouldAllBe(s => s.Map.Version == 3);
            await CheckStepAsync(group, stores, shape, reference, tolerance, step: 1);
            await CheckStepAsync(group, stores, shape, reference, tolerance, step: 2);
        }
        finally
        {
            foreach (var store in stores)
            {
                store.Dispose();
            }
        }
    }

    private static async Task CheckStepAsync(InProcessGroup group, ExpertStore[] stores, MoeShape shape, ReferenceMoe reference, double tolerance, int step)
    {
        using var gateWeight = ModelWeights.Gate(Seed, shape);
        var gate = new GroupLimitedGate(gateWeight, shape);
        var outputs = await group.OnEveryRankAsync(async c =>
        {
            using var generator = new Generator((ulong)(1000 + (step * 10) + c.Rank));
            using var x = randn(24, shape.Hidden, ScalarType.Float32, generator: generator);
            var tokens = x.contiguous().data<float>().ToArray();
            var result = await new MoeLayer(shape, gate, stores[c.Rank], c).ForwardAsync(x, null, CancellationToken.None);
            return (Tokens: tokens, result.Output);
        });
        foreach (var (tokens, output) in outputs)
        {
            var expected = Enumerable.Range(0, tokens.Length / shape.Hidden).SelectMany(t => reference.Forward(tokens.AsSpan(t * shape.Hidden, shape.Hidden), null)).ToArray();
            ReferenceMoe.CalcDiff([.. output.Select(v => (double)v)], expected).ShouldBeLessThan(tolerance, $"step {step}");
        }
    }
}
