using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Cluster.Kubelet;

namespace MoeOperator.DevCluster.Tests.Cluster;

/// <summary>The kubelet's pure parts: environment and command lines, the sandbox script, the hosts file.</summary>
public sealed class KubeletPlanningTests
{
    private static readonly JsonObject _pod = new()
    {
        ["metadata"] = new JsonObject { ["name"] = "rank-0", ["namespace"] = "team", ["uid"] = "u-1", ["labels"] = new JsonObject { ["app"] = "ep" }, ["annotations"] = new JsonObject { ["index"] = "7" } },
        ["spec"] = new JsonObject { ["nodeName"] = "dev-node-1", ["hostname"] = "rank-0", ["subdomain"] = "group" },
    };

    [Fact]
    public void Environment_ResolvesDownwardApiConfigMapsSecretsAndReferencesInOrder()
    {
        var container = new JsonObject
        {
            ["envFrom"] = new JsonArray(new JsonObject { ["configMapRef"] = new JsonObject { ["name"] = "settings" }, ["prefix"] = "CFG_" }),
            ["env"] = new JsonArray(
                new JsonObject { ["name"] = "POD", ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = "metadata.name" } } },
                new JsonObject { ["name"] = "IP", ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = "status.podIP" } } },
                new JsonObject { ["name"] = "NODE", ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = "spec.nodeName" } } },
                new JsonObject { ["name"] = "INDEX", ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = "metadata.annotations['index']" } } },
                new JsonObject { ["name"] = "TOKEN", ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = "creds", ["key"] = "token" } } },
                new JsonObject { ["name"] = "URL", ["value"] = "http://$(IP):80/$(POD)?$$(POD)" }),
        };
        JsonObject? ConfigMap(string ns, string name) => ns == "team" && name == "settings" ? new JsonObject { ["data"] = new JsonObject { ["MODE"] = "fast" } } : null;
        JsonObject? Secret(string ns, string name) => name == "creds" ? new JsonObject { ["data"] = new JsonObject { ["token"] = Convert.ToBase64String("s3cret"u8.ToArray()) } } : null;

        var env = ContainerEnvironment.Build(_pod, container, "127.1.0.5", "127.0.2.1", ConfigMap, Secret).ToDictionary(p => p.Key, p => p.Value);

        env["CFG_MODE"].ShouldBe("fast");
        env["POD"].ShouldBe("rank-0");
        env["IP"].ShouldBe("127.1.0.5");
        env["NODE"].ShouldBe("dev-node-1");
        env["INDEX"].ShouldBe("7");
        env["TOKEN"].ShouldBe("s3cret");
        env["URL"].ShouldBe("http://127.1.0.5:80/rank-0?$(POD)");
    }

    [Fact]
    public void Environment_WithAMissingKey_FailsWithTheKubeletsMessage()
    {
        var container = new JsonObject { ["env"] = new JsonArray(new JsonObject { ["name"] = "X", ["valueFrom"] = new JsonObject { ["configMapKeyRef"] = new JsonObject { ["name"] = "settings", ["key"] = "absent" } } }) };

        var error = Should.Throw<InvalidOperationException>(() => ContainerEnvironment.Build(_pod, container, "ip", "host", (_, _) => new JsonObject { ["data"] = new JsonObject() }, (_, _) => null));

        error.Message.ShouldBe("couldn't find key absent in ConfigMap team/settings");
    }

    [Fact]
    public void Command_IsTheContainersCommandOrTheProgramsEntrypoint_FollowedByExpandedArgs()
    {
        var program = new LocalProgram("dotnet", ["worker.dll"]);
        var variables = new List<KeyValuePair<string, string>> { new("RANK", "3") };

        ContainerLauncher.Command(new JsonObject { ["args"] = new JsonArray("ep", "--rank=$(RANK)") }, program, variables).ShouldBe(["dotnet", "worker.dll", "ep", "--rank=3"]);
        ContainerLauncher.Command(new JsonObject { ["command"] = new JsonArray("sh", "-c"), ["args"] = new JsonArray("echo $(RANK)") }, program, variables).ShouldBe(["sh", "-c", "echo 3"]);
    }

    [Fact]
    public void SandboxScript_SplitsAMachineDirectoryWhereAVolumeLandsInside_AndCreatesNothingOnTheMachine()
    {
        var tree = new Dictionary<string, (string, SandboxScript.EntryKind, string?)[]>
        {
            ["/"] = [("bin", SandboxScript.EntryKind.Symlink, "usr/bin"), ("etc", SandboxScript.EntryKind.Directory, null), ("usr", SandboxScript.EntryKind.Directory, null)],
            ["/etc"] = [("hosts", SandboxScript.EntryKind.File, null), ("passwd", SandboxScript.EntryKind.File, null), ("ssl", SandboxScript.EntryKind.Directory, null)],
        };

        var script = SandboxScript.Build("/pods/p/rootfs/c", "rank-0", [new Mount("/etc/moe/config", "/pods/p/volumes/config", ReadOnly: true), new Mount("/etc/hosts", "/pods/p/etc-hosts", ReadOnly: false)], "/work", dir => tree[dir]);
        var lines = script.Split('\n');

        lines.ShouldContain("echo 'rank-0' > /proc/sys/kernel/hostname");
        lines.ShouldContain("ln -s 'usr/bin' '/pods/p/rootfs/c/bin'");
        lines.ShouldContain("mkdir -p '/pods/p/rootfs/c/usr' && mount --rbind '/usr' '/pods/p/rootfs/c/usr'");
        lines.ShouldContain("mkdir -p '/pods/p/rootfs/c/etc'", "etc is split, not bound whole, because volumes land inside it");
        lines.ShouldContain("touch '/pods/p/rootfs/c/etc/passwd' && mount --bind '/etc/passwd' '/pods/p/rootfs/c/etc/passwd'");
        lines.ShouldContain("mkdir -p '/pods/p/rootfs/c/etc/ssl' && mount --rbind '/etc/ssl' '/pods/p/rootfs/c/etc/ssl'");
        lines.ShouldNotContain("touch '/pods/p/rootfs/c/etc/hosts' && mount --bind '/etc/hosts' '/pods/p/rootfs/c/etc/hosts'");
        lines.ShouldContain("mount --bind '/pods/p/volumes/config' '/pods/p/rootfs/c/etc/moe/config'");
        lines.ShouldContain("mount -o remount,bind,ro '/pods/p/rootfs/c/etc/moe/config' || true");
        script.ShouldNotContain("mount --rbind '/etc' ");
        lines.Last(l => l.Length > 0).ShouldStartWith("exec chroot '/pods/p/rootfs/c' /bin/sh -c");
    }

    [Fact]
    public void HostsFile_NamesPeersOfHeadlessServices_AndTheApiServer()
    {
        JsonObject Peer(string name, bool ready) => new()
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "team", ["uid"] = name, ["labels"] = new JsonObject { ["app"] = "ep" } },
            ["spec"] = new JsonObject { ["hostname"] = name, ["subdomain"] = "group" },
            ["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }) },
        };
        var service = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "group", ["namespace"] = "team" },
            ["spec"] = new JsonObject { ["clusterIP"] = "None", ["selector"] = new JsonObject { ["app"] = "ep" } },
        };

        var hosts = HostsFile.Build(_pod, "127.1.0.1", [(Peer("rank-1", ready: true), "127.1.0.2"), (Peer("rank-2", ready: false), "127.1.0.3")], [service], "127.1.0.1");

        hosts.ShouldContain("127.1.0.1\trank-0.group.team.svc.cluster.local rank-0.group.team.svc");
        hosts.ShouldContain("127.1.0.2\trank-1.group.team.svc.cluster.local rank-1.group.team.svc");
        hosts.ShouldNotContain("rank-2", customMessage: "a not-ready pod is published only with publishNotReadyAddresses");
        hosts.ShouldContain("127.1.0.1\tkubernetes.default.svc.cluster.local kubernetes.default.svc");
        service["spec"]!["publishNotReadyAddresses"] = true;
        HostsFile.Build(_pod, "127.1.0.1", [(Peer("rank-2", ready: false), "127.1.0.3")], [service], "127.0.0.1").ShouldContain("127.1.0.3\trank-2.group.team.svc");
    }
}
