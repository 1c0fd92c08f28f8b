using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MoeOperator.Controllers;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Hosting;

namespace MoeOperator.Cli;

/// <summary><c>moe dev up</c> and <c>moe dev down</c>: the embedded single-machine cluster for development, with the operator running against it.</summary>
internal static class DevCommand
{
    /// <summary>Per-user state of the dev cluster (the kubeconfig, the pid of a running one, pod data): ~/.moe/dev.</summary>
    public static string DefaultStateDirectory { get; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".moe", "dev");

    public const int DefaultPort = 16443;

    public static Command Create(IReadOnlyList<IKindModule> kinds)
    {
        var state = new Option<string>("--state-dir") { Description = "Directory for the dev cluster's kubeconfig, pid file and data", DefaultValueFactory = _ => DefaultStateDirectory };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Where to write the kubeconfig (default: <state-dir>/kubeconfig)" };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0 picks a free one)", DefaultValueFactory = _ => DefaultPort };
        var noOperator = new Option<bool>("--no-operator") { Description = "Start only the cluster (run `moe operator --kubeconfig ...` yourself, for example from a debugger)" };
        var metrics = new Option<string?>("--metrics-bind-address") { Description = "Where the operator's /metrics listens (default 127.0.0.1:18080, or a free port with --port 0; 0 picks a free port, off turns it off)" };
        var probes = new Option<string?>("--health-probe-bind-address") { Description = "Where the operator's /healthz and /readyz listen (default 127.0.0.1:18081, or a free port with --port 0; 0 picks a free port, off turns them off)" };
        var logLevel = new Option<string>("--log-level") { Description = "The operator's log level: debug, info, warn or error", DefaultValueFactory = _ => "info" };
        var pool = new Option<string?>("--node-pool") { Description = "YAML file describing the nodes (fields as the flags below, in camelCase); flags override it" };
        var nodes = new Option<int?>("--nodes") { Description = "Number of nodes (default 4)" };
        var gpus = new Option<int?>("--gpus-per-node") { Description = "nvidia.com/gpu per node (default 2)" };
        var rdma = new Option<int?>("--rdma-per-node") { Description = "RDMA devices (rdma/hca) per node (default 2)" };
        var cpu = new Option<string?>("--cpu-per-node") { Description = "CPU per node (default 16)" };
        var memory = new Option<string?>("--memory-per-node") { Description = "Memory per node (default 64Gi)" };
        var perLeaf = new Option<int?>("--nodes-per-leaf") { Description = "Nodes under one leaf switch (default 2)" };
        var perSpine = new Option<int?>("--leaves-per-spine") { Description = "Leaf switches under one spine (default 2)" };
        var zones = new Option<int?>("--zones") { Description = "Zones (default 1)" };
        var perNvlink = new Option<int?>("--nodes-per-nvlink-domain") { Description = "Nodes sharing an NVLink domain (default 1)" };
        var taints = new Option<string[]>("--taint") { Description = "A taint of every node, key=value:Effect; repeat for several" };
        var programs = new Option<string[]>("--program") { Description = "Run containers of IMAGE as the local program COMMAND (IMAGE=COMMAND ARGS); repeat for several. The worker image always runs the local moe-worker unless named here" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where pods, volumes and claims live (default: <state-dir>/data); claims and hostPaths survive restarts" };
        var demo = new Option<bool>("--demo") { Description = "Apply the demo EPGroup (4 real worker ranks, skewed routing), show its progress until the operator has rebalanced it, print a summary and stop" };
        var noSandbox = new Option<bool>("--no-sandbox") { Description = "Run pod processes without namespaces of their own (their volumes are then not at their mount paths)" };
        var up = new Command("up", "Start the dev cluster and the operator in the foreground; Ctrl-C stops everything")
        {
            state, kubeconfig, port, noOperator, demo, metrics, probes, logLevel,
            pool, nodes, gpus, rdma, cpu, memory, perLeaf, perSpine, zones, perNvlink, taints, programs, dataDir, noSandbox,
        };
        up.SetAction((result, token) =>
        {
            var directory = result.GetValue(state)!;
            var operatorFlags = result.GetValue(noOperator)
                ? null
                : new OperatorFlags
                {
                    MetricsBindAddress = DevBindAddress(result.GetValue(metrics), result.GetValue(port), 18080),
                    HealthProbeBindAddress = DevBindAddress(result.GetValue(probes), result.GetValue(port), 18081),
                    LeaderElect = true,
                    LeaderElectionNamespace = DevUp.OperatorNamespace,
                    LogLevel = result.GetValue(logLevel)!,
                    LogFormat = "text",
                };
            LocalClusterOptions cluster;
            try
            {
                var spec = result.GetValue(pool) is { } file ? DevClusterFlags.ReadPool(file) : new NodePoolSpec();
                spec = spec with
                {
                    Nodes = result.GetValue(nodes) ?? spec.Nodes,
                    GpusPerNode = result.GetValue(gpus) ?? spec.GpusPerNode,
                    // The demo's 3FS daemons, admin Jobs and FUSE clients each take an RDMA device, as under a
                    // shared RDMA device plugin; give the nodes enough of them unless told otherwise.
                    RdmaPerNode = result.GetValue(rdma) ?? (result.GetValue(demo) ? Math.Max(spec.RdmaPerNode, 8) : spec.RdmaPerNode),
                    Cpu = result.GetValue(cpu) ?? spec.Cpu,
                    Memory = result.GetValue(memory) ?? spec.Memory,
                    NodesPerLeaf = result.GetValue(perLeaf) ?? spec.NodesPerLeaf,
                    LeavesPerSpine = result.GetValue(perSpine) ?? spec.LeavesPerSpine,
                    Zones = result.GetValue(zones) ?? spec.Zones,
                    NodesPerNvlinkDomain = result.GetValue(perNvlink) ?? spec.NodesPerNvlinkDomain,
                    Taints = result.GetValue(taints) is { Length: > 0 } given ? given : spec.Taints,
                };
                if (spec.Problem() is { } problem)
                {
                    throw new ArgumentException($"--{problem}");
                }

                var data = result.GetValue(dataDir) ?? Path.Combine(directory, "data");
                cluster = new LocalClusterOptions
                {
                    Server = new DevApiServerOptions
                    {
                        Port = result.GetValue(port),
                        KubeconfigPath = result.GetValue(kubeconfig) ?? Path.Combine(directory, "kubeconfig"),
                        ComponentLog = Console.Error,
                    },
                    Nodes = spec,
                    Kubelet = new KubeletOptions
                    {
                        DataDirectory = data,
                        Programs = new[] { WorkerProgram.ForDevCluster(), ThreeFSSimProgram.ForDevCluster(data) }
                            .Concat((result.GetValue(programs) ?? []).Select(DevClusterFlags.ParseProgram))
                            .GroupBy(p => p.Key, StringComparer.Ordinal)
                            .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal),
                        Sandbox = !result.GetValue(noSandbox),
                    },
                };
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"moe dev up: {e.Message}");
                return Task.FromResult(2);
            }

            if (result.GetValue(demo) && operatorFlags is null)
            {
                Console.Error.WriteLine("moe dev up: --demo needs the operator; drop --no-operator");
                return Task.FromResult(2);
            }

            return DevUp.RunAsync(directory, cluster, operatorFlags, kinds, result.GetValue(demo), token);
        });
        var down = new Command("down", "Stop a dev cluster started by `moe dev up` in another terminal") { state };
        down.SetAction(result => Down(result.GetValue(state)!));
        return new Command("dev", "The embedded single-machine Kubernetes for development and tests") { up, down };
    }

    // The operator's endpoints on a dev cluster: fixed ports by default, free ones beside an API server on a free
    // port (so two clusters run side by side with just --port 0); "0" picks a free port, "off" turns it off.
    private static string DevBindAddress(string? given, int apiPort, int defaultPort) => given switch
    {
        null => apiPort == 0 ? "127.0.0.1:0" : $"127.0.0.1:{defaultPort.ToString(CultureInfo.InvariantCulture)}",
        "0" => "127.0.0.1:0",
        "off" => "0",
        _ => given,
    };

    private static int Down(string stateDirectory)
    {
        var pidFile = DevUp.PidFile(stateDirectory);
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture, out var pid))
        {
            Console.Error.WriteLine($"no dev cluster is running (no {pidFile})");
            return 1;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            // SIGTERM lets `moe dev up` stop cleanly, as Ctrl-C does: every pod process ends with it.
            Process.Start("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)])?.WaitForExit();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (ArgumentException)
        {
            Console.Error.WriteLine($"process {pid} from {pidFile} is gone; removing the stale file");
        }

        File.Delete(pidFile);
        Console.WriteLine("dev cluster stopped");
        return 0;
    }
}
