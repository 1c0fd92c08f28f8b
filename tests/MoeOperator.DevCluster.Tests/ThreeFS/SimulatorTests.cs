using MoeOperator.DevCluster.ThreeFS;

namespace MoeOperator.DevCluster.Tests.ThreeFS;

/// <summary>The simulated 3FS data plane driven through admin_cli's commands and daemon heartbeats, on a hand-moved clock.</summary>
public sealed class SimulatorTests
{
    private static readonly SimTimings _timings = new(HeartbeatTimeout: TimeSpan.FromSeconds(3), SyncDuration: TimeSpan.FromSeconds(2));
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal)
    {
        ["/opt/3fs/etc/mgmtd_main.toml"] = "[server]\n",
        ["chains.csv"] = "ChainId,TargetId,TargetId,TargetId\n900100001,101000100101,101000200101,101000300101\n900100002,101000100102,101000200102,101000300102\n",
        ["table.csv"] = "ChainId\n900100001\n900100002\n",
    };

    private readonly ThreeFSSimulator _sim = new(new SimState(), _timings);
    private DateTimeOffset _now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private (int Code, string Output) Admin(string command, string? token = null, string database = "dev_3fs:aaaa")
    {
        var cli = new SimAdminCli(_sim, path => _files[path], "dev-3fs", database);
        string[] line = token is null ? ["--cfg", "/opt/3fs/etc/admin_cli.toml", command] : ["--cfg", "/opt/3fs/etc/admin_cli.toml", "--config.user_info.token", token, command];
        return cli.Run(line, TextReader.Null, _now);
    }

    private void Beat(params long[] nodes)
    {
        foreach (var node in nodes)
        {
            _sim.Heartbeat(node, node < 100 ? "MGMTD" : node < 10000 ? "META" : "STORAGE", $"host-{node}", _now);
        }
    }

    private void Pass(TimeSpan time, params long[] alive)
    {
        // Heartbeats every second from the daemons that are alive.
        for (var t = TimeSpan.Zero; t < time; t += TimeSpan.FromSeconds(1))
        {
            _now += TimeSpan.FromSeconds(1);
            Beat(alive);
        }

        _sim.Advance(_now);
    }

    private string States(long chain) => string.Join(' ', _sim.State.Chains[chain].Targets.Select(t => $"{_sim.State.Targets[t].NodeId}:{_sim.State.Targets[t].PublicState}"));

    private void Bootstrap()
    {
        Admin("init-cluster --mgmtd /opt/3fs/etc/mgmtd_main.toml 1 1048576 16").Code.ShouldBe(0);
        Beat(1, 100, 10001, 10002, 10003);
        foreach (var node in new[] { 1, 2, 3 })
        {
            foreach (var index in new[] { 1, 2 })
            {
                Admin($"create-target --node-id 1000{node} --disk-index 0 --target-id 101000{node}0010{index} --chain-id 90010000{index} --use-new-chunk-engine").Code.ShouldBe(0);
            }
        }

        Admin("upload-chains chains.csv").Code.ShouldBe(0);
        Admin("upload-chain-table --desc stage 1 table.csv").Code.ShouldBe(0);
    }

    [Fact]
    public void InitCluster_RunsOnce()
    {
        Admin("init-cluster --mgmtd /opt/3fs/etc/mgmtd_main.toml 1 1048576 16").Code.ShouldBe(0);

        var again = Admin("init-cluster --mgmtd /opt/3fs/etc/mgmtd_main.toml 1 1048576 16");

        again.Code.ShouldBe(1);
        again.Output.ShouldStartWith("Encounter error: 1003(Mgmtd::ClusterAlreadyInitialized)");
        again.Output.ShouldContain("FoundationDB dev_3fs:aaaa already holds 3FS cluster dev-3fs");
    }

    [Fact]
    public void AnotherFoundationDB_HoldsNothingOfTheFirst_AndInitialisesAfresh()
    {
        Bootstrap();

        // A new database (another cluster file id) is empty: the state kept for the first one is not in it.
        Admin("list-chains", database: "dev_3fs:bbbb").Output.ShouldStartWith("Encounter error: 1001(Mgmtd::NotInitialized)");
        Admin("init-cluster --mgmtd /opt/3fs/etc/mgmtd_main.toml 1 1048576 16", database: "dev_3fs:bbbb").Code.ShouldBe(0);

        _sim.State.FoundationDB.ShouldBe("dev_3fs:bbbb");
        _sim.State.Chains.ShouldBeEmpty();
        _sim.State.Targets.ShouldBeEmpty();
    }

    [Fact]
    public void UploadedChains_Serve_AndListChainsPrintsThemAsUpstreamDoes()
    {
        Bootstrap();

        var (code, output) = Admin("list-chains");

        code.ShouldBe(0);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).ShouldBe(["ChainId", "ReferencedBy", "ChainVersion", "Status", "PreferredOrder", "Target", "Target", "Target"]);
        lines[1].ShouldContain("101000100101(SERVING-UPTODATE)");
        Admin("list-nodes").Output.ShouldContain("PRIMARY_MGMTD");
        Admin("list-chain-tables").Output.Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..4].ShouldBe(["1", "1", "2", "3"]);
    }

    [Fact]
    public void AStorageNodeThatStops_TakesItsTargetsOffline_AndOnReturnTheySyncThenServe()
    {
        Bootstrap();

        Pass(TimeSpan.FromSeconds(4), 1, 100, 10001, 10003);
        States(900100001).ShouldBe("10001:SERVING 10003:SERVING 10002:OFFLINE", "offline replicas move to the tail");

        Pass(TimeSpan.FromSeconds(1), 1, 100, 10001, 10002, 10003);
        States(900100001).ShouldBe("10001:SERVING 10003:SERVING 10002:SYNCING");
        Admin("list-chains").Output.ShouldContain("101000200101(SYNCING-ONLINE)");

        Pass(TimeSpan.FromSeconds(2), 1, 100, 10001, 10002, 10003);
        States(900100001).ShouldBe("10001:SERVING 10003:SERVING 10002:SERVING");
        _sim.Transitions.Where(t => t.TargetId == 101000200101).Select(t => t.To).ShouldBe([TargetStates.Serving, TargetStates.Offline, TargetStates.Syncing, TargetStates.Serving]);
    }

    [Fact]
    public void WhenEveryReplicaStops_OneIsTheLastToServe_AndItServesFirstOnReturn()
    {
        Bootstrap();

        Pass(TimeSpan.FromSeconds(4), 1, 100);

        _sim.State.Chains[900100001].Targets.Count(t => _sim.State.Targets[t].PublicState == TargetStates.Lastsrv).ShouldBe(1);
        Admin("list-chains").Output.ShouldContain("UNAVAILABLE");

        Pass(TimeSpan.FromSeconds(1), 1, 100, 10001, 10002, 10003);
        _sim.State.Chains[900100001].Targets.Count(t => _sim.State.Targets[t].PublicState == TargetStates.Serving).ShouldBe(1, "the LASTSRV replica serves; the others sync from it");
        Pass(TimeSpan.FromSeconds(3), 1, 100, 10001, 10002, 10003);
        States(900100001).ShouldNotContain("SYNCING");
        States(900100001).ShouldNotContain("OFFLINE");
    }

    [Fact]
    public void OnceARootUserExists_ChangesNeedItsToken()
    {
        Bootstrap();

        Admin("user-add --root --admin --token s3cret 0 root").Code.ShouldBe(0);

        var refused = Admin("offline-target --target-id 101000100101");
        refused.Code.ShouldBe(1);
        refused.Output.ShouldContain("needs an admin token");
        Admin("offline-target --target-id 101000100101", token: "s3cret").Code.ShouldBe(0);
        Admin("list-targets").Code.ShouldBe(0, "reading needs no token");
    }

    [Fact]
    public void MovingATarget_FollowsUpstreamsProcedure_OfflineBeforeRemove()
    {
        Bootstrap();

        var early = Admin("update-chain --mode remove 900100001 101000300101");
        early.Code.ShouldBe(1);
        early.Output.ShouldContain("offline it before removing it");

        Admin("offline-target --target-id 101000300101").Code.ShouldBe(0);
        Admin("update-chain --mode remove 900100001 101000300101").Code.ShouldBe(0);
        Admin("remove-target --node-id 10003 --target-id 101000300101").Code.ShouldBe(0);
        Beat(10004);
        Admin("create-target --node-id 10004 --disk-index 0 --target-id 101000400101 --chain-id 900100001 --use-new-chunk-engine").Code.ShouldBe(0);
        Admin("update-chain --mode add 900100001 101000400101").Code.ShouldBe(0);
        States(900100001).ShouldBe("10001:SERVING 10002:SERVING 10004:SYNCING");
        Pass(TimeSpan.FromSeconds(3), 1, 100, 10001, 10002, 10003, 10004);
        States(900100001).ShouldBe("10001:SERVING 10002:SERVING 10004:SERVING");

        var stale = Admin("upload-chains chains.csv");
        stale.Code.ShouldBe(1, "mgmtd refuses a table that disagrees with its chains");
        stale.Output.ShouldContain("Target mismatch of ChainId(900100001)");
    }

    [Fact]
    public void AStorageDaemonThatRestartsQuickly_StillSyncsItsTargets()
    {
        Bootstrap();

        _now += TimeSpan.FromSeconds(1);
        _sim.Heartbeat(10002, "STORAGE", "host-10002", _now, restarted: true);

        States(900100001).ShouldBe("10001:SERVING 10003:SERVING 10002:SYNCING", "it missed writes while it was down, however briefly");
        Pass(TimeSpan.FromSeconds(3), 1, 100, 10001, 10002, 10003);
        States(900100001).ShouldBe("10001:SERVING 10003:SERVING 10002:SERVING");
    }

    [Fact]
    public void WhileMgmtdRestarts_NoStorageNodeIsDeclaredGone()
    {
        Bootstrap();

        // mgmtd is down for 5 s; storage daemons cannot reach it, so they send no heartbeat.
        _now += TimeSpan.FromSeconds(5);
        _sim.Advance(_now);
        _sim.Heartbeat(1, "MGMTD", "host-1", _now, restarted: true);
        Pass(TimeSpan.FromSeconds(2), 1, 100, 10001, 10002, 10003);

        _sim.State.Targets.Values.ShouldAllBe(t => t.PublicState == TargetStates.Serving);
    }
}
