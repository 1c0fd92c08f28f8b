using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MoeOperator.DevCluster.Hosting;

namespace MoeOperator.Cli;

/// <summary><c>moe dev up</c> and <c>moe dev down</c>: the embedded Kubernetes API server for development.</summary>
internal static class DevCommand
{
    /// <summary>Per-user state of the dev cluster (the kubeconfig and the pid of a running server): ~/.moe/dev.</summary>
    public static string DefaultStateDirectory { get; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".moe", "dev");

    public const int DefaultPort = 16443;

    public static Command Create()
    {
        var state = new Option<string>("--state-dir")
        {
            Description = "Directory for the dev cluster's kubeconfig and pid file",
            DefaultValueFactory = _ => DefaultStateDirectory,
        };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Where to write the kubeconfig (default: <state-dir>/kubeconfig)" };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0 picks a free one)", DefaultValueFactory = _ => DefaultPort };
        var up = new Command("up", "Start the dev API server in the foreground; Ctrl-C stops it") { state, kubeconfig, port };
        up.SetAction((result, token) =>
        {
            var directory = result.GetValue(state)!;
            return UpAsync(directory, result.GetValue(kubeconfig) ?? Path.Combine(directory, "kubeconfig"), result.GetValue(port), token);
        });
        var down = new Command("down", "Stop a dev API server started by `moe dev up` in another terminal") { state };
        down.SetAction(result => Down(result.GetValue(state)!));
        return new Command("dev", "The embedded single-machine Kubernetes for development and tests") { up, down };
    }

    private static async Task<int> UpAsync(string stateDirectory, string kubeconfig, int port, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(stateDirectory, "apiserver.pid");
        Directory.CreateDirectory(stateDirectory);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var onTerm = StopOn(PosixSignal.SIGTERM, stop);
        using var onInt = StopOn(PosixSignal.SIGINT, stop);
        cancellationToken = stop.Token;
        await using var server = await DevApiServer.StartAsync(new DevApiServerOptions { Port = port, KubeconfigPath = kubeconfig }, cancellationToken);
        await File.WriteAllTextAsync(pidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken);
        Console.WriteLine($"""
            moe dev API server listening on {server.Url}
            kubeconfig: {kubeconfig}

              export KUBECONFIG={kubeconfig}
              kubectl get namespaces

            Ctrl-C (or `moe dev down`) stops it.
            """);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine("stopping");
        }
        finally
        {
            File.Delete(pidFile);
        }

        return 0;
    }

    // `moe dev down` and service managers send SIGTERM; both it and Ctrl-C end the wait so cleanup runs.
    private static PosixSignalRegistration StopOn(PosixSignal signal, CancellationTokenSource stop) =>
        PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

    private static int Down(string stateDirectory)
    {
        var pidFile = Path.Combine(stateDirectory, "apiserver.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture, out var pid))
        {
            Console.Error.WriteLine($"no dev API server is running (no {pidFile})");
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
        Console.WriteLine("dev API server stopped");
        return 0;
    }
}
