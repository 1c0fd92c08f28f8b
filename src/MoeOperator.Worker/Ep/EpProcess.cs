using System.Net;
using MoeOperator.Worker.Communication;
using MoeOperator.Worker.Tensors;

namespace MoeOperator.Worker.Ep;

/// <summary>
/// One EPGroup pod: the HTTP endpoints, the rendezvous server when the pod holds rank 0, one task per local rank,
/// and the load reporter. A failing rank stops the others and fails the process, so the pod fails and the
/// operator restarts the group.
/// </summary>
public sealed class EpProcess(EpSettings settings, EpRunOptions options, TextWriter log)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        TorchRuntime.EnsureLoaded();
        var metrics = new WorkerMetrics();
        var ledger = new LoadLedger(settings.Shape.Experts);
        var mapSource = settings.RankBase == 0
            ? new ExpertMapSource(settings.ExpertMapPath, settings.Shape.Experts, settings.WorldSize, settings.PhysicalSlots, TimeSpan.FromMilliseconds(500), TimeProvider.System)
            : null;
        var ranks = settings.LocalRanks.Select(r => new EpRank(settings, options, r, metrics, ledger, r == 0 ? mapSource : null, log)).ToList();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        await using var endpoints = settings.MetricsPort > 0
            ? await WorkerEndpoints.StartAsync(new IPEndPoint(settings.PodAddress, settings.MetricsPort), metrics.Registry, () => ranks.All(r => r.Ready), cancellationToken)
            : null;
        await using var rendezvous = settings.RankBase == 0
            ? RendezvousServer.Start(new IPEndPoint(settings.PodAddress, settings.MasterPort), settings.WorldSize, settings.Attempt)
            : null;
        log.WriteLine($"ep: group {settings.Group}{(settings.NodeName is null ? "" : $" on node {settings.NodeName}")}, ranks {settings.RankBase}..{settings.RankBase + settings.RanksPerNode - 1} of {settings.WorldSize}, " +
            $"{settings.Shape.Experts} {settings.Shape.Precision} experts, top-{settings.Shape.Topk}, hidden {settings.Shape.Hidden}, {settings.PhysicalSlots} slots, transport {settings.Transport.Description}, skew {options.Skew}" +
            (endpoints is null ? "" : $", metrics on {endpoints.Url}"));

        var work = ranks.Select(r => r.RunAsync(stop.Token)).ToList();
        if (rendezvous is not null)
        {
            work.Add(rendezvous.RunAsync(stop.Token));
        }

        var reporting = ReportLoadAsync(ledger, metrics, stop.Token);
        try
        {
            await FirstFailureAsync(work, stop);
            log.WriteLine($"ep: {options.Steps} steps done");
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            log.WriteLine("ep: stopped");
            return 0;
        }
        catch (CommunicatorException e)
        {
            log.WriteLine($"ep: {e.Message}");
            return 1;
        }
        finally
        {
            await stop.CancelAsync();
            await reporting;
        }
    }

    /// <summary>Waits for all tasks; the first to fail cancels the rest and its exception is thrown.</summary>
    private static async Task FirstFailureAsync(List<Task> work, CancellationTokenSource stop)
    {
        var pending = work.ToList();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            if (done.IsFaulted || done.IsCanceled)
            {
                await stop.CancelAsync();
                await Task.WhenAll(pending.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
                await done;
            }
        }
    }

    private async Task ReportLoadAsync(LoadLedger ledger, WorkerMetrics metrics, CancellationToken cancellationToken)
    {
        if (settings.PodName is null || settings.PodNamespace is null || LoadReporter.InClusterClient() is not { } client)
        {
            return;
        }

        using (client)
        {
            var reporter = new LoadReporter(client, settings.PodName, settings.PodNamespace, ledger);
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(options.ReportInterval, cancellationToken);
                    await reporter.ReportOnceAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or k8s.Autorest.HttpOperationException)
                {
                    // The next report carries the same totals; a refusal is said as such, and counted.
                    metrics.LoadReportFailed();
                    await log.WriteLineAsync($"ep: load report failed: {PodReportFailure.Describe(e, settings.PodNamespace, settings.PodName)}");
                }
            }
        }
    }
}
