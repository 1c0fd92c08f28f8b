using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.Controllers.ThreeFSClusters.AdminCli;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

/// <summary>admin_cli's tables as published in upstream's add-storage-nodes guide and m3fs, and the status read from them.</summary>
public sealed class AdminCliOutputTests
{
    private const string ListChains = """
        ChainId    ReferencedBy  ChainVersion  Status   PreferredOrder  Target                          Target
        900100001  1             1             SERVING  []              101000100101(SERVING-UPTODATE)  101000200101(SERVING-UPTODATE)
        900100002  1             3             SERVING  []              101000100102(SERVING-UPTODATE)  101000200102(SYNCING-ONLINE)
        900100003  1             2             SERVING  [101000300103, 101000100103]  101000300103(SERVING-UPTODATE)  101000100103(OFFLINE-OFFLINE)
        900100004  1             5             UNAVAILABLE  []          101000100104(LASTSRV-OFFLINE)  101000200104(OFFLINE-OFFLINE)
        """;

    private const string ListTargets = """
        TargetId      ChainId    Role  PublicState  LocalState  NodeId  DiskIndex  UsedSize
        101000100116  900100001  HEAD  SERVING      UPTODATE    10001   0          0
        101000300101  900100002  TAIL  SYNCING      ONLINE      10003   1          4096
        """;

    [Fact]
    public void ListChains_GivesReplicasHeadFirst_EvenAfterABracketedPreferredOrder()
    {
        var chains = AdminCliOutput.ParseChains(ListChains);

        chains.Count.ShouldBe(4);
        chains[1].Version.ShouldBe(3);
        chains[1].Replicas.ShouldBe([new ChainReplica(101000100102, "SERVING", "UPTODATE"), new ChainReplica(101000200102, "SYNCING", "ONLINE")]);
        chains[2].Replicas.Select(r => r.TargetId).ShouldBe([101000300103L, 101000100103L]);
        chains[3].Status.ShouldBe("UNAVAILABLE");
    }

    [Fact]
    public void ListTargets_GivesRolesStatesNodesAndDisks()
    {
        var targets = AdminCliOutput.ParseTargets(ListTargets);

        targets[1].ShouldBe(new AdminCliTarget(101000300101, 900100002, "TAIL", "SYNCING", "ONLINE", 10003, 1));
    }

    [Theory]
    [InlineData("Error: connection refused")]
    [InlineData("ChainId ReferencedBy ChainVersion Status PreferredOrder Target\n900100001 1 1 SERVING [] 101000100101-SERVING")]
    public void UnreadableOutput_FailsWithWhatWasPrinted(string output)
    {
        var error = Should.Throw<FormatException>(() => AdminCliOutput.ParseChains(output));

        error.Message.ShouldStartWith("admin_cli list-chains");
    }

    [Fact]
    public void Health_CountsTargetsByPublicState_AndChainsByHowManyReplicasServe()
    {
        var health = ThreeFSHealth.From(AdminCliOutput.ParseChains(ListChains), replicationFactor: 2);

        health.Targets.Serving.ShouldBe(4);
        health.Targets.Syncing.ShouldBe(1);
        health.Targets.Offline.ShouldBe(2);
        health.Targets.Lastsrv.ShouldBe(1);
        health.Chains.Total.ShouldBe(4);
        health.Chains.Serving.ShouldBe(1, "only 900100001 has both replicas serving");
        health.Chains.Degraded.ShouldBe(2);
        health.Chains.Unavailable.ShouldBe(1, "900100004 has no serving replica");
        health.AllChainsServing.ShouldBeFalse();
    }
}
