using System.Text.Json.Nodes;
using MoeOperator.Api.Schema;
using MoeOperator.Cli;
using MoeOperator.Controllers;
using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.Testing;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

/// <summary>The 3FS workloads: valid Kubernetes objects with exactly the privileges each program needs, and secrets only from Secrets.</summary>
public sealed class ThreeFSPodBuilderTests
{
    public static TheoryData<string> Samples => new(ThreeFSSamples.Files);

    private static JsonNode Container(JsonObject pod) => pod["spec"]!["containers"]![0]!;

    private static List<string> Capabilities(JsonNode container) =>
        [.. container["securityContext"]?["capabilities"]?["add"]?.AsArray().Select(c => (string)c!) ?? []];

    private static bool Privileged(JsonNode container) => (bool?)container["securityContext"]?["privileged"] == true;

    private static List<JsonObject> HostPaths(JsonNode podSpec) =>
        [.. podSpec["volumes"]!.AsArray().Select(v => v!.AsObject()).Where(v => v["hostPath"] is not null)];

    [Theory]
    [MemberData(nameof(Samples))]
    public void Render_PrintsConfigMapsServerPodsAndTheFuseDaemonSet_AllValidKubernetesObjects(string sample)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var spec = ThreeFSSamples.Spec(ThreeFSSamples.Resource(sample));

        var code = RenderCommand.Run([new FileInfo(RepoPaths.Of("crds", "samples", sample))], KindModules.All, new OperatorSettings("w"), stdout, stderr);

        code.ShouldBe(0, stderr.ToString());
        var kinds = YamlDocuments.Parse(stdout.ToString()).GroupBy(o => (string)o["kind"]!).ToDictionary(g => g.Key, g => g.Count());
        kinds["ConfigMap"].ShouldBe(5, "mgmtd, meta, storage, admin_cli and fuse");
        kinds["Pod"].ShouldBe(spec.Mgmtd.Replicas + spec.Meta.Replicas + spec.Storage.Replicas);
        kinds["DaemonSet"].ShouldBe(1);
        var validation = Tools.Run("node", [Tools.K8sSchemaValidator], stdin: stdout.ToString());
        validation.ExitCode.ShouldBe(0, validation.Output);
        validation.Stdout.ShouldContain($"{kinds.Values.Sum()} valid, 0 invalid");
    }

    [Theory]
    [InlineData("Mgmtd")]
    [InlineData("Meta")]
    public void MgmtdAndMeta_GetIpcLockAndOneRdmaDevice_TheClusterFileFromItsSecret_AndNothingElse(string program)
    {
        var component = Enum.Parse<ThreeFSComponent>(program);
        var cluster = ThreeFSSamples.Resource("threefscluster-4x8.yaml");
        var spec = ThreeFSSamples.Spec(cluster);

        var pod = ThreeFSPodBuilder.ServerPod(cluster, spec, component, 1, "node-a");

        var container = Container(pod);
        Capabilities(container).ShouldBe(["IPC_LOCK"]);
        Privileged(container).ShouldBeFalse();
        ((bool?)container["securityContext"]!["allowPrivilegeEscalation"]).ShouldBe(false);
        pod["spec"]!["initContainers"].ShouldBeNull();
        HostPaths(pod["spec"]!).ShouldBeEmpty();
        ((string?)container["resources"]!["limits"]![spec.Network.RdmaResourceName]).ShouldBe("1");
        ((bool?)pod["spec"]!["hostNetwork"]).ShouldBe(true);
        var sources = pod["spec"]!["volumes"]![0]!["projected"]!["sources"]!.AsArray();
        ((string?)sources[1]!["secret"]!["name"]).ShouldBe("fdb-cluster-file", "the external cluster file the sample names");
        ((string?)sources[1]!["secret"]!["items"]![0]!["path"]).ShouldBe("fdb.cluster");
        sources.Count.ShouldBe(2, "no token: daemons authenticate clients, they hold no admin token");
        container["env"]!.AsArray().ShouldAllBe(e => e!["value"] == null, "nothing but downward-API values in the environment");
    }

    [Fact]
    public void Storage_GetsItsDisksAsHostPaths_AndOnlyItsSysctlInitContainerIsPrivileged()
    {
        var cluster = ThreeFSSamples.Resource("threefscluster-4x8.yaml");
        var spec = ThreeFSSamples.Spec(cluster);

        var pod = ThreeFSPodBuilder.ServerPod(cluster, spec, ThreeFSComponent.Storage, 10002, "node-b");

        var container = Container(pod);
        Capabilities(container).ShouldBe(["IPC_LOCK"]);
        Privileged(container).ShouldBeFalse();
        var hostPaths = HostPaths(pod["spec"]!);
        hostPaths.Select(v => (string?)v["hostPath"]!["path"]).ShouldBe(spec.Storage.DiskPaths);
        hostPaths.ShouldAllBe(v => (string?)v["hostPath"]!["type"] == "Directory", "an unmounted disk must not be created on the root disk");
        container["volumeMounts"]!.AsArray().Select(m => (string?)m!["mountPath"]).ShouldBe(["/opt/3fs/etc", "/var/log/3fs", .. spec.Storage.DiskPaths]);
        var init = pod["spec"]!["initContainers"]!.AsArray().ShouldHaveSingleItem()!;
        Privileged(init).ShouldBeTrue();
        init["command"]!.AsArray().Select(c => (string?)c).ShouldBe(["sysctl", "-w", "fs.aio-max-nr=67108864"]);
        init["volumeMounts"].ShouldBeNull();
        var sources = pod["spec"]!["volumes"]![0]!["projected"]!["sources"]!.AsArray();
        sources.ShouldHaveSingleItem("storage reads no secret");
        sources[0]!["configMap"]!["items"]!.AsArray().Select(i => ((string?)i!["key"], (string?)i["path"]))
            .ShouldBe([("storage_main_launcher.toml", "storage_main_launcher.toml"), ("storage_main.toml", "storage_main.toml"), ("storage_main_app.10002.toml", "storage_main_app.toml")]);
        Container(pod)["command"]!.AsArray().Select(c => (string?)c).ShouldBe(
            ["/opt/3fs/bin/storage_main", "--launcher_cfg", "/opt/3fs/etc/storage_main_launcher.toml", "--app-cfg", "/opt/3fs/etc/storage_main_app.toml"]);
        ((string?)pod["metadata"]!["name"]).ShouldBe("tfs-prod-storage-10002");
        ((string?)pod["spec"]!["affinity"]!["nodeAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]!["nodeSelectorTerms"]![0]!["matchFields"]![0]!["values"]![0]).ShouldBe("node-b");
    }

    [Fact]
    public void FuseClients_ArePrivilegedForBidirectionalPropagation_WithDevFuseTheMountAndTheTokenFromItsSecret()
    {
        var cluster = ThreeFSSamples.Resource("threefscluster-4x8.yaml");
        var spec = ThreeFSSamples.Spec(cluster);

        var daemonSet = ThreeFSPodBuilder.FuseDaemonSet(cluster, spec);

        var podSpec = daemonSet["spec"]!["template"]!["spec"]!;
        var container = podSpec["containers"]![0]!;
        Privileged(container).ShouldBeTrue();
        Capabilities(container).ShouldBe(["SYS_ADMIN", "IPC_LOCK"]);
        HostPaths(podSpec).Select(v => ((string?)v["hostPath"]!["path"], (string?)v["hostPath"]!["type"]))
            .ShouldBe([("/dev/fuse", "CharDevice"), (spec.Clients.MountPath, "DirectoryOrCreate")]);
        var mount = container["volumeMounts"]!.AsArray().Single(m => (string?)m!["mountPath"] == spec.Clients.MountPath)!;
        ((string?)mount["mountPropagation"]).ShouldBe("Bidirectional");
        ((string?)podSpec["nodeSelector"]!["nvidia.com/gpu.present"]).ShouldBe("true");
        var token = podSpec["volumes"]![0]!["projected"]!["sources"]!.AsArray().Single(s => s!["secret"] is not null)!;
        ((string?)token["secret"]!["name"]).ShouldBe("tfs-prod-admin-token");
        ((string?)token["secret"]!["items"]![0]!["path"]).ShouldBe("token.txt");
        ((string)container["lifecycle"]!["preStop"]!["exec"]!["command"]![2]!).ShouldContain($"umount -l {spec.Clients.MountPath}");
    }
}
