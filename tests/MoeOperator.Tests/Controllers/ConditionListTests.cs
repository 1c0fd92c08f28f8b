using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers;

namespace MoeOperator.Tests.Controllers;

public sealed class ConditionListTests
{
    private static readonly DateTimeOffset _t0 = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheTransitionTime_MovesOnlyWhenTheStatusDoes_AndSayingTheSameIsNoChange()
    {
        List<Condition> conditions = [];

        ConditionList.Set(conditions, "Ready", false, "Starting", "0 of 4", 1, _t0).ShouldBeTrue();
        ConditionList.Set(conditions, "Ready", false, "Starting", "0 of 4", 1, _t0.AddMinutes(1)).ShouldBeFalse();
        ConditionList.Set(conditions, "Ready", false, "Starting", "2 of 4", 1, _t0.AddMinutes(2)).ShouldBeTrue();
        conditions.ShouldHaveSingleItem().LastTransitionTime.ShouldBe(_t0, "still False: the message changed, not the status");

        ConditionList.Set(conditions, "Ready", true, "AllRanksReady", "4 of 4", 1, _t0.AddMinutes(3)).ShouldBeTrue();
        conditions.Single().LastTransitionTime.ShouldBe(_t0.AddMinutes(3));
        ConditionList.Set(conditions, "Scheduled", null, "Unknown", "?", 2, _t0).ShouldBeTrue();
        conditions.Select(c => (c.Type, c.Status)).ShouldBe([("Ready", ConditionStatus.True), ("Scheduled", ConditionStatus.Unknown)]);
        ConditionList.Reason(conditions, "Ready").ShouldBe("AllRanksReady");
        ConditionList.Reason(conditions, "Absent").ShouldBeNull();
    }
}
