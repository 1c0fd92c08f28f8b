using System.Text.Json.Nodes;
using MoeOperator.Runtime.Client;

namespace MoeOperator.Runtime.Tests.Client;

public sealed class ConditionsTests
{
    private static readonly DateTimeOffset _t0 = new(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Set_New_AddsItWithTheTransitionTime()
    {
        var status = new JsonObject();

        Conditions.Set(status, "Ready", false, "Starting", "2 of 4 ranks ready", 3, _t0).ShouldBeTrue();

        var condition = status["conditions"]![0]!;
        ((string?)condition["status"]).ShouldBe("False");
        ((long)condition["observedGeneration"]!).ShouldBe(3);
        ((string?)condition["lastTransitionTime"]).ShouldBe("2026-11-29T10:00:00Z");
    }

    [Fact]
    public void Set_SameAgain_ChangesNothing()
    {
        var status = new JsonObject();
        Conditions.Set(status, "Ready", true, "AllRanksReady", "4 of 4", 1, _t0);

        Conditions.Set(status, "Ready", true, "AllRanksReady", "4 of 4", 1, _t0.AddMinutes(5)).ShouldBeFalse();
        ((string?)status["conditions"]![0]!["lastTransitionTime"]).ShouldBe("2026-11-29T10:00:00Z");
    }

    [Fact]
    public void Set_NewMessageSameStatus_KeepsTheTransitionTime()
    {
        var status = new JsonObject();
        Conditions.Set(status, "Ready", false, "Starting", "1 of 4", 1, _t0);

        Conditions.Set(status, "Ready", false, "Starting", "3 of 4", 1, _t0.AddMinutes(1)).ShouldBeTrue();

        ((string?)status["conditions"]![0]!["message"]).ShouldBe("3 of 4");
        ((string?)status["conditions"]![0]!["lastTransitionTime"]).ShouldBe("2026-11-29T10:00:00Z");
    }

    [Fact]
    public void Set_StatusFlips_MovesTheTransitionTimeAndKeepsOtherConditions()
    {
        var status = new JsonObject();
        Conditions.Set(status, "Scheduled", true, "Placed", "2 nodes", 1, _t0);
        Conditions.Set(status, "Ready", false, "Starting", "", 1, _t0);

        Conditions.Set(status, "Ready", true, "AllRanksReady", "", 1, _t0.AddMinutes(2));

        status["conditions"]!.AsArray().Select(c => (string?)c!["type"]).ShouldBe(["Scheduled", "Ready"]);
        ((string?)status["conditions"]![1]!["lastTransitionTime"]).ShouldBe("2026-11-29T10:02:00Z");
        Conditions.IsTrue(status, "Ready").ShouldBeTrue();
        Conditions.IsTrue(status, "Missing").ShouldBeFalse();
    }
}
