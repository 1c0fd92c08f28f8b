using System.Globalization;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MoeOperator.Api.Schema;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Cli.Demo;
using MoeOperator.Controllers;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Hosting;

namespace MoeOperator.Cli;

/// <summary>
/// What <c>moe dev up</c> does: starts the cluster, installs what a chart install would (namespace, CRDs), starts
/// the operator against it, prints how to use it, shows progress, and on Ctrl-C or SIGTERM stops it all.
/// </summary>
internal static class DevUp
{
    /// <summary>Where the operator of a dev cluster holds its lease, as a chart install in moe-system would.</summary>
    public const string OperatorNamespace = "moe-system";

    public static string PidFile(string stateDirectory) => Path.Combine(stateDirectory, "apiserver.pid");

    /// <summary>How long the demo may take before it gives up (it needs about 20 s on two cores once built).</summary>
    public static readonly TimeSpan DemoDeadline = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(string stateDirectory, LocalClusterOptions options, OperatorFlags? operatorFlags, IReadOnlyList<IKindModule> kinds, bool demo, CancellationToken cancellationToken)
    {
        var pidFile = PidFile(stateDirectory);
        var kubeconfig = options.Server.KubeconfigPath!;
        Directory.CreateDirectory(stateDirectory);
        // Pods of an earlier run went with its in-memory API state; claims and hostPaths (user data) stay.
        var stalePods = Path.Combine(options.Kubelet.DataDirectory, "pods");
        if (Directory.Exists(stalePods))
        {
            Directory.Delete(stalePods, recursive: true);
        }

        using var signals = Signals.StopOnTermination(cancellationToken);
        cancellationToken = signals.Token;
        await using var cluster = await LocalCluster.StartAsync(options, cancellationToken);
        var server = cluster.Server;
        await InstallAsync(server, cancellationToken);
        await File.WriteAllTextAsync(pidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken);
        var showing = Task.CompletedTask;
        try
        {
            Console.WriteLine($"""
                moe dev cluster: API server {server.Url}, {options.Nodes.Nodes} nodes x {options.Nodes.GpusPerNode} GPUs
                kubeconfig: {kubeconfig}
                pod data:   {options.Kubelet.DataDirectory}
                CRDs installed: {string.Join(", ", Kinds.All.Select(k => k.CrdName))}

                  export KUBECONFIG={kubeconfig}
                  kubectl get nodes,pods -A
                """);
            // The demo prints its own progress; the cluster's line would interleave with it.
            showing = demo ? Task.CompletedTask : new DevProgress(server.Service, Console.Out).RunAsync(cancellationToken);
            if (operatorFlags is null)
            {
                Console.WriteLine($"The operator is not running; start it with: moe operator --kubeconfig {kubeconfig}\nCtrl-C (or `moe dev down`) stops the cluster.");
                await WaitAsync(Task.Delay(Timeout.Infinite, cancellationToken));
                return 0;
            }

            using var stopOperator = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var process = new OperatorProcess(operatorFlags, kinds, server.ClientConfiguration());
            var running = process.RunAsync(stopOperator.Token);
            await Task.WhenAny(process.Host.Listening, running);
            await process.Host.Listening;
            Console.WriteLine($"""
                operator running (leader election in namespace {OperatorNamespace})
                  metrics: {Endpoint(process.Host.MetricsUrl, "metrics")}
                  probes:  {Endpoint(process.Host.ProbeUrl, "readyz")}

                Ctrl-C (or `moe dev down`) stops everything.
                """);
            if (demo)
            {
                using var client = new Kubernetes(server.ClientConfiguration());
                var demoCode = await WaitAsync(new DemoRun(client, Console.Out, DemoDeadline).RunAsync(cancellationToken));
                await stopOperator.CancelAsync();
                await WaitAsync(running);
                return cancellationToken.IsCancellationRequested ? 0 : demoCode;
            }

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
            await WaitAsync(showing);
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
}
