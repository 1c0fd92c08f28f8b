using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using MoeOperator.Contract.Training;
using MoeOperator.Worker.Communication;
using MoeOperator.Worker.Ep;
using MoeOperator.Worker.Tensors;
using MoeOperator.Worker.Training.Parallel;

namespace MoeOperator.Worker.Training;

/// <summary>
/// <c>moe-worker train</c>: one rank of a TrainingJob (environment from the TrainingJob controller), or with
/// <c>--local</c> every rank of the job as threads of this process. SIGTERM asks all ranks to checkpoint at the next
/// step boundary and exit 0 (suspend, node drain). Exit 1: a peer failed or a checkpoint could not be read; 2: bad
/// configuration.
/// </summary>
internal static class TrainCommand
{
    // How long a rank waits for one message before declaring its peer stuck; a dead peer is noticed at once.
    private static readonly TimeSpan _peerTimeout = TimeSpan.FromMinutes(5);

    public static Command Create()
    {
        var local = new Option<bool>("--local") { Description = "Run every rank of the job in this process (no pods, no rendezvous)" };
        var config = new Option<FileInfo?>("--config") { Description = $"A TrainingConfigDocument (JSON) instead of {TrainingWorkerEnvironment.Config}" };
        var command = new Command("train", "Train one rank of a TrainingJob (environment from the TrainingJob operator), or the whole job with --local") { local, config };
        command.SetAction(async (result, cancellationToken) =>
        {
            var stopRequested = 0;
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                // Keep running to the next step boundary: every rank checkpoints there and exits 0.
                context.Cancel = true;
                Interlocked.Exchange(ref stopRequested, 1);
            });
            try
            {
                var environment = Environment.GetEnvironmentVariables();
                if (result.GetValue(config) is { } file)
                {
                    environment[TrainingWorkerEnvironment.Config] = await File.ReadAllTextAsync(file.FullName, cancellationToken);
                }

                if (result.GetValue(local))
                {
                    var document = TrainingConfigDocument.Parse(environment[TrainingWorkerEnvironment.Config] as string
                        ?? throw new WorkerConfigurationException($"--local needs --config FILE or {TrainingWorkerEnvironment.Config}"));
                    TorchRuntime.EnsureLoaded();
                    var outcome = await Task.Factory.StartNew(
                        () => LocalTraining.Run(document, new TrainingMetrics(), Console.Out, () => Volatile.Read(ref stopRequested) == 1),
                        cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                    Console.Out.WriteLine($"train: {outcome}");
                    return 0;
                }

                var settings = TrainSettings.From(environment);
                return await RunRankAsync(settings, () => Volatile.Read(ref stopRequested) == 1, cancellationToken);
            }
            catch (WorkerConfigurationException e)
            {
                await Console.Error.WriteLineAsync($"moe-worker train: {e.Message}");
                return 2;
            }
            catch (System.Text.Json.JsonException e)
            {
                await Console.Error.WriteLineAsync($"moe-worker train: the training config is not valid JSON: {e.Message}");
                return 2;
            }
            catch (Exception e) when (e is CommunicatorException or InvalidDataException or IOException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync($"moe-worker train: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static async Task<int> RunRankAsync(TrainSettings settings, Func<bool> stopRequested, CancellationToken cancellationToken)
    {
        TorchRuntime.EnsureLoaded();
        var config = settings.Config;
        var world = config.Pipeline * config.Data;
        // Fail on bad parallelism before meeting anyone, so every rank exits 2 with the same message.
        TrainingSetup.From(config);
        var metrics = new TrainingMetrics();
        var running = false;
        await using var endpoints = settings.MetricsPort > 0
            ? await WorkerEndpoints.StartAsync(new IPEndPoint(settings.PodAddress, settings.MetricsPort), metrics.Registry, () => Volatile.Read(ref running), cancellationToken)
            : null;
        await using var rendezvous = settings.Rank == 0
            ? RendezvousServer.Start(new IPEndPoint(settings.PodAddress, settings.MasterPort), world, settings.Attempt)
            : null;
        using var stopRendezvous = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var serving = rendezvous?.RunAsync(stopRendezvous.Token);
        Console.Out.WriteLine($"train: job {config.Job} rank {settings.Rank} of {world}{(settings.NodeName is null ? "" : $" on node {settings.NodeName}")}, " +
            $"{config.Schedule} pipeline {config.Pipeline} x data {config.Data} (expert {config.Expert}), attempt {settings.Attempt}");

        var options = new CommunicatorOptions(settings.Rank, world, settings.MasterAddress, settings.MasterPort, settings.PodAddress)
        {
            Attempt = settings.Attempt,
            // The mesh's readers wait on idle links for as long as a step takes; the mesh times out receives itself.
            OperationTimeout = Timeout.InfiniteTimeSpan,
        };
        await using var communicator = await TcpCommunicator.ConnectAsync(options, cancellationToken);
        await using var mesh = new TcpTrainingMesh(communicator, _peerTimeout);
        await using var publisher = new ProgressPublisher(
            settings.Rank == 0 ? Ep.LoadReporter.InClusterClient() : null, settings.PodName, settings.PodNamespace, [metrics], Console.Out, TimeSpan.FromSeconds(1));
        Volatile.Write(ref running, true);
        var outcome = await Task.Factory.StartNew(
            () => new TrainingLoop(config, mesh, publisher, Console.Out, stopRequested).Run(),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await mesh.FlushAsync(TimeSpan.FromSeconds(10));
        await stopRendezvous.CancelAsync();
        if (serving is not null)
        {
            await serving.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        Console.Out.WriteLine($"train: rank {settings.Rank} {outcome}");
        return 0;
    }
}
