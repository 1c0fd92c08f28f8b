using MoeOperator.Runtime.Hosting;

namespace MoeOperator.Runtime.Tests.Hosting;

public sealed class ReadinessTests
{
    [Fact]
    public void Leader_IsReadyOnlyOnceEveryCacheHasSynced()
    {
        var waiting = Readiness.Evaluate(leading: true, "me", "me", [("epgroup", true), ("threefscluster", false)]);
        waiting.Ready.ShouldBeFalse();
        waiting.Reason.ShouldBe("leading: waiting for the caches of threefscluster to sync");

        var synced = Readiness.Evaluate(leading: true, "me", "me", [("epgroup", true), ("threefscluster", true)]);
        synced.Ready.ShouldBeTrue();
        synced.Reason.ShouldBe("leading: 2 controllers with synced caches");
    }

    [Fact]
    public void Standby_IsReadyOnceItHasSeenTheLease_SoRollingUpdatesFinish()
    {
        var blind = Readiness.Evaluate(leading: false, observedLeader: null, "me", [("epgroup", false)]);
        blind.Ready.ShouldBeFalse();
        blind.Reason.ShouldContain("lease has not been read yet");

        var standby = Readiness.Evaluate(leading: false, observedLeader: "operator-0", "me", [("epgroup", false)]);
        standby.Ready.ShouldBeTrue();
        standby.Reason.ShouldBe("standby: operator-0 holds the lease");
    }

    [Fact]
    public void ALeaseNamingThisProcess_BeforeItsControllersRun_IsNotYetReady()
    {
        var starting = Readiness.Evaluate(leading: false, observedLeader: "me", "me", [("epgroup", false)]);

        starting.Ready.ShouldBeFalse();
        starting.Reason.ShouldBe("leading: starting the controllers");
    }
}
