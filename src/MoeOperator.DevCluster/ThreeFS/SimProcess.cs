using System.Globalization;
using Tomlyn;
using Tomlyn.Model;

namespace MoeOperator.DevCluster.ThreeFS;

/// <summary>
/// The processes that stand in for the 3FS programs on the dev cluster, started through the image's
/// /opt/3fs/bin scripts with the operator's command lines and config files: mgmtd_main, meta_main and
/// storage_main heartbeat into the simulated cluster (and exit on SIGTERM telling it so), hf3fs_fuse_main
/// waits for mgmtd and stays, admin_cli runs one command (or stdin's) and prints what upstream prints.
/// They keep upstream's order: mgmtd refuses to start before init-cluster, meta and storage wait for mgmtd and
/// for their config (set-config). State lives under <see cref="DirectoryVariable"/>, one directory per cluster id,
/// and belongs to the FoundationDB database (the cluster file's description:id) init-cluster wrote it to: a database
/// holds one 3FS cluster, so a client naming another cluster id there is refused with both ids
/// (Mgmtd::ClusterIdMismatch), and a new database starts empty.
/// </summary>
public static class SimProcess
{
    public const string DirectoryVariable = "MOE_3FS_SIM_DIR";
    public const string HeartbeatTimeoutVariable = "MOE_3FS_SIM_HEARTBEAT_TIMEOUT";
    public const string SyncSecondsVariable = "MOE_3FS_SIM_SYNC_SECONDS";

    public const string FdbClientVersionVariable = "MOE_3FS_SIM_FDB_CLIENT_VERSION";

    public static readonly string[] Programs = ["mgmtd_main", "meta_main", "storage_main", "hf3fs_fuse_main", "admin_cli", "fdbcli"];

    // A third of the default heartbeat timeout: a beat can be late twice before the daemon is declared gone.
    private static readonly TimeSpan _beat = TimeSpan.FromSeconds(1);

    public static async Task<int> RunAsync(string program, IReadOnlyList<string> arguments, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(stderr);
        var root = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (string.IsNullOrEmpty(root))
        {
            await stderr.WriteLineAsync($"{program}: {DirectoryVariable} is not set; the dev cluster sets it for the 3FS image");
            return 2;
        }

        try
        {
            return program switch
            {
                "admin_cli" => AdminCli(root, arguments, stdin, stdout),
                "fdbcli" => FdbCli(arguments, stdout),
                "mgmtd_main" => await DaemonAsync(root, "MGMTD", arguments, stderr, cancellationToken),
                "meta_main" => await DaemonAsync(root, "META", arguments, stderr, cancellationToken),
                "storage_main" => await DaemonAsync(root, "STORAGE", arguments, stderr, cancellationToken),
                "hf3fs_fuse_main" => await FuseAsync(root, arguments, stderr, cancellationToken),
                _ => throw new SimAdminException("1002(StatusCode::kInvalidArg)", $"the simulator has no program {program}"),
            };
        }
        catch (Exception e) when (e is SimAdminException or IOException or KeyNotFoundException or TomlException or System.Net.Sockets.SocketException)
        {
            await stderr.WriteLineAsync($"{program}: {e.Message}");
            return 1;
        }
    }

    // Only --version: the image's FoundationDB client release (what the operator checks before bootstrap).
    private static int FdbCli(IReadOnlyList<string> arguments, TextWriter stdout)
    {
        if (!arguments.Contains("--version"))
        {
            throw new SimAdminException("1002(StatusCode::kInvalidArg)", "the simulator's fdbcli answers only --version");
        }

        var version = Environment.GetEnvironmentVariable(FdbClientVersionVariable) is { Length: > 0 } set ? set : "7.3.63";
        stdout.Write($"FoundationDB CLI {string.Join('.', version.Split('.').Take(2))} (v{version})\nsource version 0000000000000000000000000000000000000000\nprotocol fdb00b073000000\n");
        return 0;
    }

    private static SimTimings Timings() => new(
        Seconds(HeartbeatTimeoutVariable) ?? SimTimings.Default.HeartbeatTimeout,
        Seconds(SyncSecondsVariable) ?? SimTimings.Default.SyncDuration);

    private static TimeSpan? Seconds(string variable) =>
        double.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? TimeSpan.FromSeconds(s) : null;

    private static SimStore Store(string root, string clusterId) =>
        new(Path.Combine(root, string.Concat(clusterId.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'))), Timings());

    private static string? Option(IReadOnlyList<string> arguments, params string[] names)
    {
        for (var i = 0; i < arguments.Count; i++)
        {
            foreach (var name in names)
            {
                if (arguments[i] == name && i + 1 < arguments.Count)
                {
                    return arguments[i + 1];
                }

                if (arguments[i].StartsWith(name + "=", StringComparison.Ordinal))
                {
                    return arguments[i][(name.Length + 1)..];
                }
            }
        }

        return null;
    }

    private static TomlTable Toml(string path) => TomlSerializer.Deserialize<TomlTable>(File.ReadAllText(path))!;

    private static string Text(TomlTable table, params string[] path)
    {
        object current = table;
        foreach (var key in path)
        {
            current = ((TomlTable)current)[key];
        }

        return Convert.ToString(current, CultureInfo.InvariantCulture)!;
    }

    private static int AdminCli(string root, IReadOnlyList<string> arguments, TextReader stdin, TextWriter stdout)
    {
        var configPath = Option(arguments, "--cfg", "-cfg") ?? throw new SimAdminException("1002(StatusCode::kInvalidArg)", "admin_cli needs --cfg <admin_cli.toml>");
        var config = Toml(configPath);
        var (clusterId, database) = (Text(config, "cluster_id"), Database(config));
        RequireSameCluster(root, clusterId, database);
        var (code, output) = Store(root, clusterId).Update(DateTimeOffset.UtcNow, simulator =>
            new SimAdminCli(simulator, File.ReadAllText, clusterId, database).Run(arguments, stdin, DateTimeOffset.UtcNow));
        stdout.Write(output);
        return code;
    }

    // The database a client talks to: its cluster file's description:id (the address may change, the database not).
    private static string Database(TomlTable config)
    {
        var path = Text(config, "fdb", "clusterFile");
        var text = File.Exists(path) ? File.ReadAllText(path).Trim() : "";
        if (text.Length == 0)
        {
            throw new SimAdminException("6001(FDB::ConnectFailed)", $"cannot read the FoundationDB cluster file {path}");
        }

        return text.Split('@')[0];
    }

    // One database holds one 3FS cluster: a client (or mgmtd) naming another cluster id there is refused, as mgmtd
    // refuses a request whose cluster id is not its own.
    private static void RequireSameCluster(string root, string clusterId, string database)
    {
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            var state = new SimStore(directory, Timings()).Read();
            if (state is { Initialized: true } && state.FoundationDB == database && state.ClusterId != clusterId)
            {
                throw new SimAdminException("5010(Mgmtd::ClusterIdMismatch)", $"FoundationDB {database} holds 3FS cluster {state.ClusterId}, but this client's cluster_id is {clusterId}");
            }
        }
    }

    private static async Task<int> DaemonAsync(string root, string type, IReadOnlyList<string> arguments, TextWriter log, CancellationToken cancellationToken)
    {
        var launcher = Toml(Option(arguments, "--launcher_cfg") ?? throw new SimAdminException("1002(StatusCode::kInvalidArg)", "needs --launcher_cfg"));
        var app = Toml(Option(arguments, "--app-cfg", "--app_cfg") ?? throw new SimAdminException("1002(StatusCode::kInvalidArg)", "needs --app-cfg"));
        var nodeId = long.Parse(Text(app, "node_id"), CultureInfo.InvariantCulture);
        string? database = null;
        if (type == "MGMTD")
        {
            database = Database(launcher);
            RequireSameCluster(root, Text(launcher, "cluster_id"), database);
        }

        var store = Store(root, Text(launcher, "cluster_id"));
        var hostname = Environment.GetEnvironmentVariable("HOSTNAME") ?? Environment.MachineName;
        var registered = false;
        string? waiting = null;
        System.Net.Sockets.TcpListener? listener = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            var first = !registered;
            var (ready, why, paths) = store.Update(DateTimeOffset.UtcNow, simulator => Beat(simulator, type, nodeId, hostname, first, database));
            if (ready && !registered)
            {
                // Listen on the TCP port of the config mgmtd holds, on this node's address, as the daemon does:
                // the kubelet's probes connect there.
                var config = store.Update(DateTimeOffset.UtcNow, simulator => simulator.State.Configs.GetValueOrDefault(type));
                listener = Listen(hostname, config);
                await log.WriteLineAsync($"{type.ToLowerInvariant()} {nodeId}: registered with mgmtd{(listener is null ? "" : $", listening on {listener.LocalEndpoint}")}");
                registered = true;
            }

            if (!ready && why != waiting)
            {
                await log.WriteLineAsync($"{type.ToLowerInvariant()} {nodeId}: {why}");
                waiting = why;
                if (type == "MGMTD")
                {
                    return 1;
                }
            }

            foreach (var path in paths)
            {
                Directory.CreateDirectory(path);
            }

            try
            {
                await Task.Delay(_beat, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        listener?.Stop();
        store.Update(DateTimeOffset.UtcNow, simulator =>
        {
            simulator.Stop(nodeId, DateTimeOffset.UtcNow);
            return 0;
        });
        await log.WriteLineAsync($"{type.ToLowerInvariant()} {nodeId}: stopped");
        return 0;
    }

    // The TCP listener group of a daemon's main config ([[server.base.groups]] with network_type TCP).
    private static System.Net.Sockets.TcpListener? Listen(string hostname, string? config)
    {
        if (config is null || TomlSerializer.Deserialize<TomlTable>(config) is not { } table
            || !table.TryGetValue("server", out var server) || server is not TomlTable serverTable
            || !serverTable.TryGetValue("base", out var @base) || @base is not TomlTable baseTable
            || !baseTable.TryGetValue("groups", out var groups) || groups is not TomlTableArray groupArray)
        {
            return null;
        }

        var tcp = groupArray.FirstOrDefault(g => g.TryGetValue("network_type", out var type) && (string)type == "TCP");
        if (tcp?["listener"] is not TomlTable listenerTable || !listenerTable.TryGetValue("listen_port", out var port))
        {
            return null;
        }

        var address = System.Net.Dns.GetHostAddresses(hostname).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? System.Net.IPAddress.Loopback;
        var listener = new System.Net.Sockets.TcpListener(address, Convert.ToInt32(port, CultureInfo.InvariantCulture));
        listener.Start();
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var client = await listener.AcceptTcpClientAsync();
                }
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // Stopped.
            }
        });
        return listener;
    }

    // One heartbeat, if the daemon may run yet; storage also learns where its targets' directories go.
    private static (bool Ready, string? Why, List<string> TargetDirectories) Beat(ThreeFSSimulator simulator, string type, long nodeId, string hostname, bool first, string? database)
    {
        var state = simulator.State;
        if (type == "MGMTD" && (!state.Initialized || state.FoundationDB != database))
        {
            return (false, "the cluster is not initialized: run admin_cli init-cluster before starting mgmtd", []);
        }

        if (type != "MGMTD" && !state.Nodes.Any(n => n.Value.Type == "MGMTD" && n.Value.Up))
        {
            return (false, "waiting for mgmtd", []);
        }

        if (type != "MGMTD" && !state.Configs.ContainsKey(type))
        {
            return (false, $"mgmtd holds no {type} config yet (admin_cli set-config --type {type})", []);
        }

        simulator.Heartbeat(nodeId, type, hostname, DateTimeOffset.UtcNow, restarted: first);
        if (type != "STORAGE")
        {
            return (true, null, []);
        }

        var roots = TomlSerializer.Deserialize<TomlTable>(state.Configs["STORAGE"])!;
        var paths = ((TomlArray)((TomlTable)((TomlTable)roots["server"])["targets"])["target_paths"]).Select(p => (string)p!).ToList();
        var directories = state.Targets.Where(t => t.Value.NodeId == nodeId && t.Value.DiskIndex < paths.Count)
            .Select(t => Path.Combine(paths[t.Value.DiskIndex], t.Key.ToString(CultureInfo.InvariantCulture)))
            .ToList();
        return (true, null, directories);
    }

    private static async Task<int> FuseAsync(string root, IReadOnlyList<string> arguments, TextWriter log, CancellationToken cancellationToken)
    {
        var launcher = Toml(Option(arguments, "--launcher_cfg") ?? throw new SimAdminException("1002(StatusCode::kInvalidArg)", "needs --launcher_cfg"));
        var store = Store(root, Text(launcher, "cluster_id"));
        var mountpoint = Text(launcher, "mountpoint");
        var mounted = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            // A client only reads mgmtd's state; it never writes it.
            var up = store.Read()?.Nodes.Values.Any(n => n.Type == "MGMTD" && n.Up) == true;
            if (up && !mounted)
            {
                await log.WriteLineAsync($"hf3fs_fuse_main: mounted {Text(launcher, "cluster_id")} at {mountpoint}");
                mounted = true;
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return 0;
    }
}
