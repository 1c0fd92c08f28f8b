using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MoeOperator.DevCluster.Hosting;

namespace MoeOperator.Cli;

/// <summary><c>moe dev up</c> and <c>moe dev down</c>: the embedded Kubernetes API server for development.</summary>
internal static class DevCommand
{
    /// <summary>Per-user state of the dev cluster: the kubeconfig and the pid of a running server.</summary>
    public static string StateDirectory { get; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".moe", "dev");

    public const int DefaultPort = 16443;

    public static Command Create()
    {
        var kubeconfig = new Option<string>("--kubeconfig")
        {
            Description = "Where to write the kubeconfig",
            DefaultValueFactory = _ => Path.Combine(StateDirectory, "kubeconfig"),
        };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1", DefaultValueFactory = _ => DefaultPort };
        var up = new Command("up", "Start the dev API server in the foreground; Ctrl-C stops it") { kubeconfig, port };
        up.SetAction((result, token) => UpAsync(result.GetValue(kubeconfig)!, result.GetValue(port), token));
        var down = new Command("down", "Stop a dev API server started by `moe dev up` in another terminal");
        down.SetAction(_ => Down());
        return new Command("dev", "The embedded single-machine Kubernetes for development and tests") { up, down };
    }

    private static async Task<int> UpAsync(string kubeconfig, int port, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(StateDirectory, "apiserver.pid");
        Directory.CreateDirectory(StateDirectory);
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

    private static int Down()
    {
        var pidFile = Path.Combine(StateDirectory, "apiserver.pid");
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
