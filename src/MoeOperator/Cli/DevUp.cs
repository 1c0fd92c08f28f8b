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
using MoeOperator.Runtime.Hosting;

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

    /// <summary>How long the cluster and the operator may take to become ready before <c>moe dev up</c> gives up.</summary>
    public static readonly TimeSpan ReadyDeadline = TimeSpan.FromMinutes(2);

    public static async Task<int> RunAsync(string stateDirectory, LocalClusterOptions options, OperatorFlags? operatorFlags, IReadOnlyList<IKindModule> kinds, bool demo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var pidFile = PidFile(stateDirectory);
        var kubeconfig = options.Server.KubeconfigPath!;
        Directory.CreateDirectory(stateDirectory);
        if (RunningPid(pidFile) is { } other)
        {
            await Console.Error.WriteLineAsync($"moe dev up: a dev cluster from {stateDirectory} is already running (pid {other}); stop it with `moe dev down --state-dir {stateDirectory}`, or start another with its own --state-dir and --port 0");
            return 1;
        }

        // A kubeconfig left by an earlier run would tell a waiting script that this cluster is ready: it goes first,
        // and comes back only once the cluster is.
        File.Delete(kubeconfig);
        // Pods of an earlier run went with its in-memory API state; claims and hostPaths (user data) stay.
        var stalePods = Path.Combine(options.Kubelet.DataDirectory, "pods");
        if (Directory.Exists(stalePods))
        {
            Directory.Delete(stalePods, recursive: true);
        }

        using var signals = Signals.StopOnTermination(cancellationToken);
        cancellationToken = signals.Token;
        LocalCluster cluster;
        try
        {
            cluster = await LocalCluster.StartAsync(options with { Server = options.Server with { KubeconfigPath = null } }, cancellationToken);
        }
        catch (IOException e) when (EndpointBindException.IsBindFailure(e))
        {
            await Console.Error.WriteLineAsync(
                $"moe dev up: cannot listen on 127.0.0.1:{options.Server.Port} for the API server: {EndpointBindException.Reason(e)}; another dev cluster may be running (`moe dev down`), or choose another port with --port (0 picks a free one)");
            return 1;
        }

        await using (cluster)
        {
            await File.WriteAllTextAsync(pidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken);
            try
            {
                return await RunClusterAsync(cluster, kubeconfig, options, operatorFlags, kinds, demo, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return 0;
            }
            finally
            {
                if (File.Exists(kubeconfig))
                {
                    Console.WriteLine("stopping");
                }

                File.Delete(pidFile);
                File.Delete(kubeconfig);
            }
        }
    }

    private static async Task<int> RunClusterAsync(LocalCluster cluster, string kubeconfig, LocalClusterOptions options, OperatorFlags? operatorFlags, IReadOnlyList<IKindModule> kinds, bool demo, CancellationToken cancellationToken)
    {
        var server = cluster.Server;
        await InstallAsync(server, cancellationToken);
        if (await WaitForAsync(() => DevReadiness.Missing(server.Service, options.Nodes.Nodes), cancellationToken) is { } missing)
        {
            await Console.Error.WriteLineAsync($"moe dev up: the cluster was not ready after {ReadyDeadline.TotalSeconds:0} s: {missing}");
            return 1;
        }

        if (operatorFlags is null)
        {
            Publish(server, kubeconfig, options);
            Console.WriteLine($"The operator is not running; start it with: moe operator --kubeconfig {kubeconfig}\nCtrl-C (or `moe dev down`) stops the cluster.");
            using var progress = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await new DevProgress(server.Service, server.ComponentErrors, Console.Out).RunAsync(progress.Token);
            return 0;
        }

        using var stopOperator = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var process = new OperatorProcess(operatorFlags, kinds, server.ClientConfiguration());
        var running = process.RunAsync(stopOperator.Token);
        try
        {
            await Task.WhenAny(process.Host.Listening, running);
            await process.Host.Listening;
            if (await WaitForAsync(() => process.Host.IsLeading ? null : "the operator does not lead yet", cancellationToken, running) is { } notLeading)
            {
                await Console.Error.WriteLineAsync($"moe dev up: {notLeading} after {ReadyDeadline.TotalSeconds:0} s");
                return 1;
            }
        }
        catch (EndpointBindException e)
        {
            var flag = e.Endpoint == "metrics" ? "--metrics-bind-address" : "--health-probe-bind-address";
            await Console.Error.WriteLineAsync($"moe dev up: {e.Message}; choose another address with {flag} (0 picks a free port, off turns it off)");
            return 1;
        }

        Publish(server, kubeconfig, options);
        Console.WriteLine($"""
            operator running (leader election in namespace {OperatorNamespace})
              metrics: {Endpoint(process.Host.MetricsUrl, "metrics")}
              probes:  {Endpoint(process.Host.ProbeUrl, "readyz")}

            Ctrl-C (or `moe dev down`) stops everything.
            """);
        int exitCode;
        if (demo)
        {
            using var client = new Kubernetes(server.ClientConfiguration());
            exitCode = await WaitAsync(new DemoRun(client, Console.Out, DemoDeadline, Path.Combine(options.Kubelet.DataDirectory, "hostpath")).RunAsync(cancellationToken));
        }
        else
        {
            using var progress = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var showing = new DevProgress(server.Service, server.ComponentErrors, Console.Out).RunAsync(progress.Token);
            exitCode = await WaitAsync(running);
            await progress.CancelAsync();
            await showing;
            if (exitCode != 0 && !cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"the operator stopped with exit code {exitCode}; stopping the dev cluster");
            }
        }

        // The operator stops before the cluster does, so it never talks to a server that is going away.
        await stopOperator.CancelAsync();
        var operatorCode = await WaitAsync(running);
        return cancellationToken.IsCancellationRequested ? 0 : demo ? exitCode : operatorCode;
    }

    // Writes the kubeconfig (the signal that the cluster is ready) and says how to use the cluster.
    private static void Publish(DevApiServer server, string kubeconfig, LocalClusterOptions options)
    {
        Kubeconfig.Write(kubeconfig, server.KubeconfigText);
        Console.WriteLine($"""
            moe dev cluster: API server {server.Url}, {options.Nodes.Nodes} nodes x {options.Nodes.GpusPerNode} GPUs
            kubeconfig: {kubeconfig}
            pod data:   {options.Kubelet.DataDirectory}
            CRDs installed: {string.Join(", ", Kinds.All.Select(k => k.CrdName))}

              export KUBECONFIG={kubeconfig}
              kubectl get nodes,pods -A
            """);
    }

    // Polls until missing() answers null; returns what is still missing at the deadline (or when `running` ends).
    private static async Task<string?> WaitForAsync(Func<string?> missing, CancellationToken cancellationToken, Task? running = null)
    {
        var deadline = DateTimeOffset.UtcNow + ReadyDeadline;
        while (missing() is { } what)
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                return what;
            }

            if (running is { IsCompleted: true })
            {
                await running;
                return $"{what} (the operator stopped)";
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        return null;
    }

    // The pid in the file when that process is alive (a `moe dev up` still running from this state directory).
    private static int? RunningPid(string pidFile)
    {
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
        {
            return null;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.HasExited ? null : pid;
        }
        catch (ArgumentException)
        {
            return null;
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
