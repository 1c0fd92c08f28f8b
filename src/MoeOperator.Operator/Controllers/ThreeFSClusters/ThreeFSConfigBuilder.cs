using System.Globalization;
using Tomlyn;
using Tomlyn.Model;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// Renders the TOML files each 3FS program reads, named and sectioned as upstream's configs/ templates are:
/// <c>&lt;program&gt;_launcher.toml</c> (cluster id, mgmtd addresses, RDMA devices, FoundationDB),
/// <c>&lt;program&gt;_app.toml</c> (the node id, one per instance) and <c>&lt;program&gt;.toml</c> (listeners,
/// targets; meta's and storage's are uploaded to mgmtd with set-config). Only the keys the operator decides are
/// written; 3FS fills every other key with its default. Secrets never appear: the configs name the files the pods
/// mount from Secrets (<see cref="ThreeFSPaths.FdbClusterFile"/>, <see cref="ThreeFSPaths.TokenFile"/>).
/// </summary>
internal static class ThreeFSConfigBuilder
{
    /// <summary>The program's binary name, the stem of its config file names.</summary>
    public static string Program(ThreeFSComponent component) => component switch
    {
        ThreeFSComponent.Mgmtd => "mgmtd_main",
        ThreeFSComponent.Meta => "meta_main",
        ThreeFSComponent.Storage => "storage_main",
        ThreeFSComponent.Fuse => "hf3fs_fuse_main",
        ThreeFSComponent.AdminCli => "admin_cli",
        _ => throw new ArgumentOutOfRangeException(nameof(component)),
    };

    /// <summary>The files every instance of the program shares, by upstream file name.</summary>
    public static IReadOnlyDictionary<string, TomlTable> SharedFiles(ThreeFSComponent component, ThreeFSConfigInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var program = Program(component);
        return component switch
        {
            ThreeFSComponent.AdminCli => new Dictionary<string, TomlTable> { ["admin_cli.toml"] = AdminCli(inputs) },
            ThreeFSComponent.Fuse => new Dictionary<string, TomlTable>
            {
                [$"{program}_launcher.toml"] = FuseLauncher(inputs),
                [$"{program}.toml"] = new() { ["mgmtd"] = MgmtdClient(inputs) },
            },
            _ => new Dictionary<string, TomlTable>
            {
                [$"{program}_launcher.toml"] = Launcher(component, inputs),
                [$"{program}.toml"] = MainFile(component, inputs),
            },
        };
    }

    /// <summary>The app file of each instance (its node id), by node id; upstream names it <c>&lt;program&gt;_app.toml</c>.</summary>
    public static IReadOnlyDictionary<int, TomlTable> AppFiles(ThreeFSComponent component, ThreeFSConfigInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var ids = component switch
        {
            ThreeFSComponent.Mgmtd => inputs.MgmtdNodeIds,
            ThreeFSComponent.Meta => inputs.MetaNodeIds,
            ThreeFSComponent.Storage => inputs.StorageNodeIds,
            _ => [],
        };
        return ids.ToDictionary(id => id, id => new TomlTable { ["node_id"] = (long)id });
    }

    /// <summary>The file name an instance's app file has inside the container.</summary>
    public static string AppFileName(ThreeFSComponent component) => $"{Program(component)}_app.toml";

    /// <summary>The ConfigMap key of one instance's app file; the pod mounts it under <see cref="AppFileName"/>.</summary>
    public static string AppKey(ThreeFSComponent component, int nodeId) =>
        $"{Program(component)}_app.{nodeId.ToString(CultureInfo.InvariantCulture)}.toml";

    /// <summary>Everything the program's ConfigMap holds: the shared files and every instance's app file.</summary>
    public static SortedDictionary<string, string> ConfigMapData(ThreeFSComponent component, ThreeFSConfigInputs inputs)
    {
        var data = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, table) in SharedFiles(component, inputs))
        {
            data[name] = Render(table);
        }

        foreach (var (id, table) in AppFiles(component, inputs))
        {
            data[AppKey(component, id)] = Render(table);
        }

        return data;
    }

    public static string Render(TomlTable table) => TomlSerializer.Serialize(table);

    private static TomlTable Launcher(ThreeFSComponent component, ThreeFSConfigInputs inputs)
    {
        var launcher = new TomlTable
        {
            ["cluster_id"] = inputs.Spec.ClusterId,
            ["ib_devices"] = IbDevices(inputs),
        };
        if (component == ThreeFSComponent.Mgmtd)
        {
            // mgmtd keeps the cluster's state in FoundationDB; the others find it through mgmtd.
            launcher["fdb"] = new TomlTable { ["clusterFile"] = ThreeFSPaths.FdbClusterFile };
        }
        else
        {
            launcher["mgmtd_client"] = MgmtdClient(inputs);
        }

        return launcher;
    }

    private static TomlTable FuseLauncher(ThreeFSConfigInputs inputs) => new()
    {
        ["cluster_id"] = inputs.Spec.ClusterId,
        ["mountpoint"] = inputs.Spec.Clients.MountPath,
        ["token_file"] = ThreeFSPaths.TokenFile,
        // Pods of other users (training jobs) read the mount.
        ["allow_other"] = true,
        ["ib_devices"] = IbDevices(inputs),
        ["mgmtd_client"] = MgmtdClient(inputs),
    };

    private static TomlTable AdminCli(ThreeFSConfigInputs inputs) => new()
    {
        ["cluster_id"] = inputs.Spec.ClusterId,
        ["fdb"] = new TomlTable { ["clusterFile"] = ThreeFSPaths.FdbClusterFile },
        ["ib_devices"] = IbDevices(inputs),
        ["mgmtd_client"] = MgmtdClient(inputs),
    };

    private static TomlTable MainFile(ThreeFSComponent component, ThreeFSConfigInputs inputs)
    {
        var ports = inputs.Spec.Network.Ports;
        var server = new TomlTable();
        var (service, rdma, tcp) = component switch
        {
            ThreeFSComponent.Mgmtd => ("Mgmtd", ports.MgmtdRdma, ports.MgmtdTcp),
            ThreeFSComponent.Meta => ("MetaSerde", ports.MetaRdma, ports.MetaTcp),
            _ => ("StorageSerde", ports.StorageRdma, ports.StorageTcp),
        };
        server["base"] = new TomlTable
        {
            ["groups"] = new TomlTableArray
            {
                ServiceGroup(inputs, "RDMA", service, rdma, independentThreads: false),
                ServiceGroup(inputs, "TCP", "Core", tcp, independentThreads: true),
            },
        };
        switch (component)
        {
            case ThreeFSComponent.Meta:
                server["mgmtd_client"] = MgmtdClient(inputs);
                server["fdb"] = new TomlTable { ["clusterFile"] = ThreeFSPaths.FdbClusterFile };
                server["meta"] = new TomlTable { ["event_trace_log"] = new TomlTable { ["trace_file_dir"] = ThreeFSPaths.TraceDirectory } };
                break;
            case ThreeFSComponent.Storage:
                server["mgmtd"] = MgmtdClient(inputs);
                server["targets"] = new TomlTable
                {
                    ["target_paths"] = Array(inputs.Spec.Storage.DiskPaths.Select(ThreeFSPaths.TargetDirectory)),
                };
                server["aio_read_worker"] = new TomlTable { ["enable_io_uring"] = inputs.Spec.Storage.EnableIoUring };
                server["storage"] = new TomlTable { ["event_trace_log"] = new TomlTable { ["trace_file_dir"] = ThreeFSPaths.TraceDirectory } };
                break;
        }

        return new TomlTable { ["server"] = server };
    }

    // One listener group of [[server.base.groups]]: RDMA for the daemon's own service, TCP for Core.
    private static TomlTable ServiceGroup(ThreeFSConfigInputs inputs, string network, string service, int port, bool independentThreads)
    {
        var listener = new TomlTable { ["listen_port"] = (long)port };
        if (inputs.Spec.Network.NicPrefix is { Length: > 0 } prefix)
        {
            listener["filter_list"] = Array([prefix]);
        }

        return new TomlTable
        {
            ["network_type"] = network,
            ["services"] = Array([service]),
            ["use_independent_thread_pool"] = independentThreads,
            ["listener"] = listener,
        };
    }

    private static TomlTable MgmtdClient(ThreeFSConfigInputs inputs) => new()
    {
        ["mgmtd_server_addresses"] = Array(inputs.MgmtdServerAddresses),
    };

    private static TomlTable IbDevices(ThreeFSConfigInputs inputs) => new()
    {
        ["device_filter"] = Array(inputs.Spec.Network.DeviceFilter ?? []),
    };

    private static TomlArray Array(IEnumerable<string> values)
    {
        var array = new TomlArray();
        foreach (var value in values)
        {
            array.Add(value);
        }

        return array;
    }
}
