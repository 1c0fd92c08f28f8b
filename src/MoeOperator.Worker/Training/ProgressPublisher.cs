using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MoeOperator.Contract.Training;

namespace MoeOperator.Worker.Training;

/// <summary>
/// Rank 0's reports: to the log's reporters at once, and to the pod's <c>moe.dev/training-progress</c> annotation at
/// most once per interval (the newest report wins); the last report is always written before the process exits.
/// A failed write is logged and retried with the next report: the operator only ever needs the newest.
/// </summary>
public sealed class ProgressPublisher(IKubernetes? client, string? pod, string? ns, IReadOnlyList<ITrainingReporter> local, TextWriter log, TimeSpan interval) : ITrainingReporter, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private TrainingProgressReport? _pending;
    private Task? _loop;

    public void Report(TrainingProgressReport report)
    {
        foreach (var reporter in local)
        {
            reporter.Report(report);
        }

        lock (_gate)
        {
            _pending = report;
            _loop ??= client is null || pod is null || ns is null ? Task.CompletedTask : Task.Run(() => LoopAsync(_stop.Token));
        }
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await PublishAsync(cancellationToken);
            try
            {
                await Task.Delay(interval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        TrainingProgressReport? report;
        lock (_gate)
        {
            (report, _pending) = (_pending, null);
        }

        if (report is null || client is null)
        {
            return;
        }

        try
        {
            var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [TrainingProgressReport.Annotation] = report.ToJson() } } };
            await client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), pod, ns, cancellationToken: cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping mid-write: the report stays pending for the last write on the way out.
            lock (_gate)
            {
                _pending ??= report;
            }
        }
        catch (Exception e) when (e is HttpRequestException or k8s.Autorest.HttpOperationException)
        {
            await log.WriteLineAsync($"train: progress report failed: {Ep.PodReportFailure.Describe(e, ns ?? "", pod ?? "")}");
            lock (_gate)
            {
                _pending ??= report;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        using var last = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await PublishAsync(last.Token);
        _stop.Dispose();
    }
}
