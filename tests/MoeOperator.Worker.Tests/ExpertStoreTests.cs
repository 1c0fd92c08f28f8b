using MoeOperator.Worker.Moe;
using MoeOperator.Worker.Tensors;

namespace MoeOperator.Worker.Tests;

public sealed class ExpertStoreTests
{
    private static readonly MoeShape _shape = new(8, 6, 4, 1, 1, 2);

    [Fact]
    public async Task SwitchingMaps_MovesEachNewlyNeededExpertsWeights_FromTheRankThatHeldIt()
    {
        TorchRuntime.EnsureLoaded();
        await using var group = await InProcessGroup.StartAsync(2);
        var before = new ExpertMap(1, 3, [0, 1, 2, 3, 0, 1]); // rank 0: experts 0,1,2; rank 1: 3,0,1
        var after = new ExpertMap(2, 3, [3, 3, 0, 1, 2, 2]);  // rank 0 needs 3 (from rank 1); rank 1 needs 2 (from rank 0)
        var stores = group.Ranks.Select(r => new ExpertStore(r.Rank, _shape)).ToArray();
        try
        {
            foreach (var (store, rank) in stores.Select((s, r) => (s, r)))
            {
                // Rank 1's expert 3 gets distinctive weights: only moving them (not regenerating) can put them on rank 0.
                store.Initialise(before, e => e == 3 && rank == 1 ? ModelWeights.Expert(99, e, _shape) : ModelWeights.Expert(1, e, _shape));
            }

            await group.OnEveryRankAsync(async c =>
            {
                await stores[c.Rank].SwitchAsync(after, c, CancellationToken.None);
                return true;
            });

            using var moved = ModelWeights.Expert(99, 3, _shape);
            stores[0][0].Expert.ShouldBe(3);
            stores[0][0].ToBytes().ShouldBe(moved.ToBytes());
            stores[0][1].ShouldBeSameAs(stores[0][0], "two slots of one expert on a rank share its weights");
            stores[0][2].Expert.ShouldBe(0);
            stores[1][4].Expert.ShouldBe(2);
            using var expert2 = ModelWeights.Expert(1, 2, _shape);
            stores[1][4].ToBytes().ShouldBe(expert2.ToBytes());
            stores[0].LastMoveBytes.ShouldBe(moved.ToBytes().Length);
            stores.ShouldAllBe(s => s.Map.Version == 2);
            Should.Throw<InvalidOperationException>(() => stores[0][3]).Message.ShouldContain("holds no expert in slot 3");
        }
        finally
        {
            foreach (var store in stores)
            {
                store.Dispose();
            }
        }
    }

    [Fact]
    public void ExpertBytes_AreTheGateUpAndDownWeightsInFloat32RowMajor_AndReadBackTheSame()
    {
        TorchRuntime.EnsureLoaded();
        using var expert = ModelWeights.Expert(seed: 3, expert: 1, _shape);
        var expected = new[] { expert.GateWeight, expert.UpWeight, expert.DownWeight }
            .SelectMany(t => Weights.Matrix(t).Cast<double>().Select(v => (float)v))
            .ToArray();

        var bytes = expert.ToBytes();

        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray().ShouldBe(expected);
        using var copy = ExpertFfn.FromBytes(1, bytes, _shape);
        copy.ToBytes().ShouldBe(bytes);
    }
}
