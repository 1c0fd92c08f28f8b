using MoeOperator.Controllers.ThreeFSClusters;
using Tomlyn;
using Tomlyn.Model;

namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

/// <summary>
/// The configs of every sample, read back with Tomlyn: the files upstream names, the keys upstream's deploy guide
/// sets, addresses as IPv4 literals, and no secret anywhere.
/// </summary>
public sealed class ThreeFSConfigBuilderTests
{
    public static TheoryData<string> Samples => new(ThreeFSSamples.Files);

    private static Dictionary<string, TomlTable> Parsed(ThreeFSComponent component, ThreeFSConfigInputs inputs) =>
        ThreeFSConfigBuilder.ConfigMapData(component, inputs).ToDictionary(f => f.Key, f => TomlSerializer.Deserialize<TomlTable>(f.Value)!);

    // A dotted path into a parsed file; [n] indexes an array of tables.
    private static object At(TomlTable table, string path)
    {
        object current = table;
        foreach (var part in path.Split('.'))
        {
            var name = part.Split('[')[0];
            current = ((TomlTable)current).TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"{path}: no '{name}'");
            if (part.Contains('['))
            {
                current = ((TomlTableArray)current)[int.Parse(part.Split('[')[1].TrimEnd(']'), System.Globalization.CultureInfo.InvariantCulture)];
            }
        }

        return current;
    }

    private static List<string> Strings(object array) => [.. ((TomlArray)array).Select(v => (string)v!)];

    [Theory]
    [MemberData(nameof(Samples))]
    public void EveryProgram_GetsTheFilesUpstreamNames_WithTheRequiredKeys(string sample)
    {
        var spec = ThreeFSSamples.Spec(ThreeFSSamples.Resource(sample));
        var inputs = ThreeFSSamples.Inputs(spec);
        var mgmtd = inputs.MgmtdAddresses.Select(ip => $"RDMA://{ip}:{spec.Network.Ports.MgmtdRdma}").ToList();

        var m = Parsed(ThreeFSComponent.Mgmtd, inputs);
        m.Keys.ShouldBe(["mgmtd_main.toml", "mgmtd_main_launcher.toml", .. Enumerable.Range(1, spec.Mgmtd.Replicas).Select(i => $"mgmtd_main_app.{i}.toml")], ignoreOrder: true);
        At(m["mgmtd_main_launcher.toml"], "cluster_id").ShouldBe(spec.ClusterId);
        At(m["mgmtd_main_launcher.toml"], "fdb.clusterFile").ShouldBe("/opt/3fs/etc/fdb.cluster");
        Strings(At(m["mgmtd_main_launcher.toml"], "ib_devices.device_filter")).ShouldBe(spec.Network.DeviceFilter ?? []);
        At(m["mgmtd_main.toml"], "server.base.groups[0].network_type").ShouldBe("RDMA");
        Strings(At(m["mgmtd_main.toml"], "server.base.groups[0].services")).ShouldBe(["Mgmtd"]);
        At(m["mgmtd_main.toml"], "server.base.groups[0].listener.listen_port").ShouldBe((long)spec.Network.Ports.MgmtdRdma);
        At(m["mgmtd_main.toml"], "server.base.groups[1].network_type").ShouldBe("TCP");
        Strings(At(m["mgmtd_main.toml"], "server.base.groups[1].services")).ShouldBe(["Core"]);
        At(m["mgmtd_main.toml"], "server.base.groups[1].listener.listen_port").ShouldBe((long)spec.Network.Ports.MgmtdTcp);
        At(m["mgmtd_main_app.1.toml"], "node_id").ShouldBe(1L);

        var meta = Parsed(ThreeFSComponent.Meta, inputs);
        At(meta["meta_main_launcher.toml"], "cluster_id").ShouldBe(spec.ClusterId);
        Strings(At(meta["meta_main_launcher.toml"], "mgmtd_client.mgmtd_server_addresses")).ShouldBe(mgmtd);
        Strings(At(meta["meta_main.toml"], "server.mgmtd_client.mgmtd_server_addresses")).ShouldBe(mgmtd);
        At(meta["meta_main.toml"], "server.fdb.clusterFile").ShouldBe("/opt/3fs/etc/fdb.cluster");
        At(meta["meta_main.toml"], "server.meta.event_trace_log.trace_file_dir").ShouldBe("/var/log/3fs/trace");
        Strings(At(meta["meta_main.toml"], "server.base.groups[0].services")).ShouldBe(["MetaSerde"]);
        At(meta["meta_main.toml"], "server.base.groups[0].listener.listen_port").ShouldBe((long)spec.Network.Ports.MetaRdma);
        At(meta["meta_main_app.100.toml"], "node_id").ShouldBe(100L);

        var storage = Parsed(ThreeFSComponent.Storage, inputs);
        Strings(At(storage["storage_main_launcher.toml"], "mgmtd_client.mgmtd_server_addresses")).ShouldBe(mgmtd);
        Strings(At(storage["storage_main.toml"], "server.mgmtd.mgmtd_server_addresses")).ShouldBe(mgmtd);
        Strings(At(storage["storage_main.toml"], "server.targets.target_paths")).ShouldBe(spec.Storage.DiskPaths.Select(d => d + "/3fs"));
        At(storage["storage_main.toml"], "server.aio_read_worker.enable_io_uring").ShouldBe(spec.Storage.EnableIoUring);
        Strings(At(storage["storage_main.toml"], "server.base.groups[0].services")).ShouldBe(["StorageSerde"]);
        At(storage["storage_main.toml"], "server.base.groups[0].listener.listen_port").ShouldBe((long)spec.Network.Ports.StorageRdma);
        storage.Keys.Where(k => k.StartsWith("storage_main_app.", StringComparison.Ordinal)).Count().ShouldBe(spec.Storage.Replicas);
        At(storage["storage_main_app.10001.toml"], "node_id").ShouldBe(10001L);

        var fuse = Parsed(ThreeFSComponent.Fuse, inputs);
        fuse.Keys.ShouldBe(["hf3fs_fuse_main.toml", "hf3fs_fuse_main_launcher.toml"], ignoreOrder: true);
        At(fuse["hf3fs_fuse_main_launcher.toml"], "mountpoint").ShouldBe(spec.Clients.MountPath);
        At(fuse["hf3fs_fuse_main_launcher.toml"], "token_file").ShouldBe("/opt/3fs/etc/token.txt");
        Strings(At(fuse["hf3fs_fuse_main_launcher.toml"], "mgmtd_client.mgmtd_server_addresses")).ShouldBe(mgmtd);
        Strings(At(fuse["hf3fs_fuse_main.toml"], "mgmtd.mgmtd_server_addresses")).ShouldBe(mgmtd);

        var admin = Parsed(ThreeFSComponent.AdminCli, inputs)["admin_cli.toml"];
        At(admin, "cluster_id").ShouldBe(spec.ClusterId);
        At(admin, "fdb.clusterFile").ShouldBe("/opt/3fs/etc/fdb.cluster");
        Strings(At(admin, "mgmtd_client.mgmtd_server_addresses")).ShouldBe(mgmtd);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void NoConfig_CarriesASecret_OnlyThePathsOfFilesMountedFromSecrets(string sample)
    {
        var inputs = ThreeFSSamples.Inputs(ThreeFSSamples.Spec(ThreeFSSamples.Resource(sample)));

        foreach (var component in Enum.GetValues<ThreeFSComponent>())
        {
            foreach (var (file, text) in ThreeFSConfigBuilder.ConfigMapData(component, inputs))
            {
                var keys = new List<string>();
                Walk(TomlSerializer.Deserialize<TomlTable>(text)!, "", keys);
                keys.ShouldNotContain(k => k.EndsWith("token", StringComparison.Ordinal) || k.EndsWith("passwd", StringComparison.Ordinal), $"{file} holds a credential");
                // An FDB cluster file's content is description:id@address:port.
                text.ShouldNotMatch(@"[A-Za-z0-9_]+:[A-Za-z0-9]+@\d", $"{file} holds a cluster file's content");
            }
        }
    }

    private static void Walk(TomlTable table, string prefix, List<string> keys)
    {
        foreach (var (key, value) in table)
        {
            keys.Add(prefix + key);
            switch (value)
            {
                case TomlTable inner:
                    Walk(inner, $"{prefix}{key}.", keys);
                    break;
                case TomlTableArray array:
                    foreach (var item in array)
                    {
                        Walk(item, $"{prefix}{key}.", keys);
                    }

                    break;
            }
        }
    }

    [Fact]
    public void TheDaemonsListenOnSixDifferentPorts_SoTheyCanShareANode()
    {
        var inputs = ThreeFSSamples.Inputs(ThreeFSSamples.Spec(ThreeFSSamples.Resource("threefscluster-minimal.yaml")));

        var ports = new[] { ThreeFSComponent.Mgmtd, ThreeFSComponent.Meta, ThreeFSComponent.Storage }
            .SelectMany(c => ThreeFSConfigBuilder.SharedFiles(c, inputs)[ThreeFSConfigBuilder.Program(c) + ".toml"] is var main
                ? new[] { At(main, "server.base.groups[0].listener.listen_port"), At(main, "server.base.groups[1].listener.listen_port") }
                : [])
            .ToList();

        ports.Count.ShouldBe(6);
        ports.ShouldBeUnique();
    }

    [Fact]
    public void ANicPrefix_BecomesTheListenersFilter()
    {
        var spec = ThreeFSSamples.Spec(ThreeFSSamples.Resource("threefscluster-minimal.yaml", c => c["spec"]!["network"] = new System.Text.Json.Nodes.JsonObject { ["nicPrefix"] = "ib" }));

        var main = ThreeFSConfigBuilder.SharedFiles(ThreeFSComponent.Storage, ThreeFSSamples.Inputs(spec))["storage_main.toml"];

        Strings(At(main, "server.base.groups[0].listener.filter_list")).ShouldBe(["ib"]);
    }

    [Theory]
    [InlineData("mgmtd-0.storage.svc")]
    [InlineData("fd00::5")]
    [InlineData("10.0.5")]
    public void AMgmtdAddressThatIsNoIpv4Literal_IsRefused(string address)
    {
        var spec = ThreeFSSamples.Spec(ThreeFSSamples.Resource("threefscluster-minimal.yaml"));

        Should.Throw<ArgumentException>(() => new ThreeFSConfigInputs(spec, [address], [1], [100], [10001, 10002, 10003]))
            .Message.ShouldContain("is not an IPv4 literal: 3FS configs cannot use names");
    }
}
