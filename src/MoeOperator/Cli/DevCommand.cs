using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Hosting;

namespace MoeOperator.Cli;

/// <summary><c>moe dev up</c> and <c>moe dev down</c>: the embedded Kubernetes for development, with the operator running against it.</summary>
internal static class DevCommand
{
    /// <summary>Per-user state of the dev cluster (the kubeconfig and the pid of a running server): ~/.moe/dev.</summary>
    public static string DefaultStateDirectory { get; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".moe", "dev");

    public const int DefaultPort = 16443;

    /// <summary>Where the operator of a dev cluster holds its lease, as a chart install in moe-system would.</summary>
    public const string OperatorNamespace = "moe-system";

    public static Command Create(IReadOnlyList<IKindModule> kinds)
    {
        var state = new Option<string>("--state-dir")
        {
            Description = "Directory for the dev cluster's kubeconfig and pid file",
            DefaultValueFactory = _ => DefaultStateDirectory,
        };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Where to write the kubeconfig (default: <state-dir>/kubeconfig)" };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0 picks a free one)", DefaultValueFactory = _ => DefaultPort };
        var noOperator = new Option<bool>("--no-operator") { Description = "Start only the cluster (run `moe operator --kubeconfig ...` yourself, for example from a debugger)" };
        var metrics = new Option<string>("--metrics-bind-address") { Description = "Where the operator's /metrics listens (0 turns it off)", DefaultValueFactory = _ => "127.0.0.1:18080" };
        var probes = new Option<string>("--health-probe-bind-address") { Description = "Where the operator's /healthz and /readyz listen (0 turns them off)", DefaultValueFactory = _ => "127.0.0.1:18081" };
        var logLevel = new Option<string>("--log-level") { Description = "The operator's log level: debug, info, warn or error", DefaultValueFactory = _ => "info" };
        var up = new Command("up", "Start the dev cluster and the operator in the foreground; Ctrl-C stops everything")
        {
            state, kubeconfig, port, noOperator, metrics, probes, logLevel,
        };
        up.SetAction((result, token) =>
        {
            var directory = result.GetValue(state)!;
            var operatorFlags = result.GetValue(noOperator)
                ? null
                : new OperatorFlags
                {
                    MetricsBindAddress = result.GetValue(metrics)!,
                    HealthProbeBindAddress = result.GetValue(probes)!,
                    LeaderElect = true,
                    LeaderElectionNamespace = OperatorNamespace,
                    LogLevel = result.GetValue(logLevel)!,
                    LogFormat = "text",
                };
            return UpAsync(directory, result.GetValue(kubeconfig) ?? Path.Combine(directory, "kubeconfig"), result.GetValue(port), operatorFlags, kinds, token);
        });
        var down = new Command("down", "Stop a dev cluster started by `moe dev up` in another terminal") { state };
        down.SetAction(result => Down(result.GetValue(state)!));
        return new Command("dev", "The embedded single-machine Kubernetes for development and tests") { up, down };
    }

    private static async Task<int> UpAsync(string stateDirectory, string kubeconfig, int port, OperatorFlags? operatorFlags, IReadOnlyList<IKindModule> kinds, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(stateDirectory, "apiserver.pid");
        Directory.CreateDirectory(stateDirectory);
        using var signals = Signals.StopOnTermination(cancellationToken);
        cancellationToken = signals.Token;
        await using var server = await DevApiServer.StartAsync(new DevApiServerOptions { Port = port, KubeconfigPath = kubeconfig }, cancellationToken);
        await InstallAsync(server, cancellationToken);
        await File.WriteAllTextAsync(pidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken);
        try
        {
            Console.WriteLine($"""
                moe dev API server listening on {server.Url}
                kubeconfig: {kubeconfig}
                CRDs installed: {string.Join(", ", Kinds.All.Select(k => k.CrdName))}

                  export KUBECONFIG={kubeconfig}
                  kubectl get namespaces
                """);
            if (operatorFlags is null)
            {
                Console.WriteLine($"The operator is not running; start it with: moe operator --kubeconfig {kubeconfig}\nCtrl-C (or `moe dev down`) stops the cluster.");
                await WaitAsync(Task.Delay(Timeout.Infinite, cancellationToken));
                return 0;
            }

            using var process = new OperatorProcess(operatorFlags, kinds, server.ClientConfiguration());
            var running = process.RunAsync(cancellationToken);
            await Task.WhenAny(process.Host.Listening, running);
            await process.Host.Listening;
            Console.WriteLine($"""
                operator running (leader election in namespace {OperatorNamespace})
                  metrics: {Endpoint(process.Host.MetricsUrl, "metrics")}
                  probes:  {Endpoint(process.Host.ProbeUrl, "readyz")}

                Ctrl-C (or `moe dev down`) stops everything.
                """);
            var exitCode = await WaitAsync(running);
            if (exitCode != 0 && !cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"the operator stopped with exit code {exitCode}; stopping the dev cluster");
            }

            return exitCode;
        }
        finally
        {
            Console.WriteLine("stopping");
            File.Delete(pidFile);
        }
    }

    private static string Endpoint(Uri? url, string path) => url is null ? "(off)" : $"{url}{path}";

    private static async Task<int> WaitAsync(Task running)
    {
        try
        {
            await running;
            return running is Task<int> withCode ? withCode.Result : 0;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
    }

    // What `helm install` would put in place before the operator starts: its namespace and the CRDs.
    private static async Task InstallAsync(DevApiServer server, CancellationToken cancellationToken)
    {
        using var client = new Kubernetes(server.ClientConfiguration());
        await IgnoreConflictAsync(() => client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = OperatorNamespace } }, cancellationToken: cancellationToken));
        foreach (var kind in Kinds.All)
        {
            await IgnoreConflictAsync(() => client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(CrdGenerator.Build(kind), cancellationToken: cancellationToken));
        }
    }

    private static async Task IgnoreConflictAsync<T>(Func<Task<T>> create)
    {
        try
        {
            await create();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // Already there.
        }
    }

    private static int Down(string stateDirectory)
    {
        var pidFile = Path.Combine(stateDirectory, "apiserver.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture, out var pid))
        {
            Console.Error.WriteLine($"no dev cluster is running (no {pidFile})");
            return 1;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            // SIGTERM lets `moe dev up` stop cleanly, as Ctrl-C does.
            Process.Start("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)])?.WaitForExit();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
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
