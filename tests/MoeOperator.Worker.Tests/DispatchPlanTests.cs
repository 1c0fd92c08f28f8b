using MoeOperator.Worker.Moe;

namespace MoeOperator.Worker.Tests;

public sealed class DispatchPlanTests
{
    // 8 experts on 4 ranks: expert e on rank e / 2.
    private static readonly ExpertMap _identity = ExpertMap.Identity(8, 4);

    [Fact]
    public void ATokenGoesOncePerRank_CarryingEverySlotItWasRoutedToThere()
    {
        // Token 0 -> experts 0, 1 (both rank 0) and 6 (rank 3); token 1 -> experts 2, 7, -1 (none).
        int[] ids = [0, 1, 6, 2, 7, -1];
        float[] weights = [0.5f, 0.3f, 0.2f, 0.6f, 0.4f, 0f];
        var plan = DispatchPlan.Create(ids, weights, tokens: 2, topk: 3, _identity, sourceRank: 0, ranks: 4, experts: 8);

        plan.PerRank[0].Single().ShouldSatisfyAllConditions(
            e => e.Token.ShouldBe(0),
            e => e.Slots.ShouldBe([0, 1]),
            e => e.Weights.ShouldBe([0.5f, 0.3f]));
        plan.PerRank[1].Single().ShouldSatisfyAllConditions(e => e.Token.ShouldBe(1), e => e.Slots.ShouldBe([2]));
        plan.PerRank[2].ShouldBeEmpty();
        plan.PerRank[3].Select(e => (e.Token, e.Slots.Single())).ShouldBe([(0, 6), (1, 7)]);
        plan.RoutedPerExpert.ShouldBe([1L, 1, 1, 0, 0, 0, 1, 1]);
    }

    [Fact]
    public void AReplicatedExpert_IsServedByItsReplicasInTurn()
    {
        // 4 slots on 2 ranks: expert 0 in slots 0 and 2 (ranks 0 and 1), expert 1 in slot 1, expert 2 in slot 3.
        var map = new ExpertMap(3, 2, [0, 1, 0, 2]);
        int[] ids = [0, 0, 0, 0];
        var plan = DispatchPlan.Create(ids, [1f, 1f, 1f, 1f], tokens: 4, topk: 1, map, sourceRank: 0, ranks: 2, experts: 3);

        plan.PerRank[0].Select(e => e.Token).ShouldBe([0, 2]);
        plan.PerRank[1].Select(e => e.Token).ShouldBe([1, 3]);
        plan.PerRank[1].ShouldAllBe(e => e.Slots.Single() == 2);
        plan.RoutedPerExpert.ShouldBe([4L, 0, 0], "load is counted per logical expert, whichever replica serves it");
    }

    [Fact]
    public void DispatchMessages_RoundTrip()
    {
        var entries = new List<DispatchEntry> { new(3, [1, 5], [0.25f, 0.75f]), new(0, [2], [1f]) };
        var tokens = Enumerable.Range(0, 4 * 2).Select(i => (float)i).ToArray();
        var (decoded, rows) = DispatchMessages.DecodeDispatch(DispatchMessages.EncodeDispatch(entries, tokens, hidden: 2), hidden: 2);

        decoded.Select(e => e.Token).ShouldBe([3, 0]);
        decoded[0].Slots.ShouldBe([1, 5]);
        decoded[0].Weights.ShouldBe([0.25f, 0.75f]);
        rows.ShouldBe([6f, 7f, 0f, 1f]);
    }
}
