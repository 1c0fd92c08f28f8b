using System.Collections.Concurrent;
using System.Globalization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Planning.Placement;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Controllers;
using MoeOperator.Runtime.Informers;

namespace MoeOperator.Controllers.TrainingJobs;

/// <summary>
/// Converges one TrainingJob, as a list of steps that each settle the reconcile or let the next look: rank 0's
/// progress is copied into status first (and its pod let go once read); then a finished job stays finished, a
/// suspended one checkpoints and stops, one past its deadline checkpoints and fails, a failed rank restarts every rank from the newest verified checkpoint after a
/// back-off (the budget is counted on the job, so deleting pods never resets it), a job waits for the 3FS clusters it
/// names, is placed as one gang through the process's placement ledger, and runs. Status is written when it changes.
/// </summary>
internal sealed partial class TrainingJobReconciler(
    CacheView jobs,
    CacheView pods,
    CacheView services,
    CacheView nodes,
    CacheView threeFSClusters,
    KubernetesJsonClient api,
    EventRecorder events,
    TrainingJobMetrics metrics,
    PlacementLedger ledger,
    TimeProvider clock) : IReconciler
{
    private readonly ChildWriter _writer = new(api);
    private readonly StatusWriter _status = new(api);
    private readonly GangPods _gangPods = new(api);
    private readonly ConcurrentDictionary<(string Uid, int Attempt), bool> _announcedResumes = new();

    public async Task<ReconcileResult> ReconcileAsync(ObjectReference key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (jobs.Get(key) is not { } job || job["metadata"]?["deletionTimestamp"] is not null)
        {
            // Gone (or going): garbage collection takes the pods once rank 0's finalizer is off; the GPUs it held
            // go to whoever waits.
            await ReleaseFinalizersAsync(pods.ByLabel(TrainingJobNames.JobLabel, key.Name).Where(p => (string?)p["metadata"]?["namespace"] == key.Namespace), cancellationToken);
            ledger.Release(OwnerOf(key));
            ledger.WakeWaiting();
            metrics.Forget(key.Namespace, key.Name);
            return ReconcileResult.Done;
        }

        var pass = TrainingJobPass.Of(key, job, pods.ByOwner((string)job["metadata"]!["uid"]!), clock.GetUtcNow());
        ObserveLedger(pass);
        await ObserveProgressAsync(pass, cancellationToken);

        var result = await ChildRefusals.ReportingAsync(events, job, () => StepsAsync(pass, cancellationToken), refusal => RefusedAsync(pass, refusal, cancellationToken), cancellationToken);
        return WakeByDeadline(pass, result);
    }

    private async Task<ReconcileResult> StepsAsync(TrainingJobPass pass, CancellationToken cancellationToken) =>
        await FinishedAsync(pass, cancellationToken)
            ?? await SuspendAsync(pass, cancellationToken)
            ?? await DeadlineAsync(pass, cancellationToken)
            ?? await FailedRankAsync(pass, cancellationToken)
            ?? await RestartingAsync(pass, cancellationToken)
            ?? await CompletedAsync(pass, cancellationToken)
            ?? await StorageAsync(pass, cancellationToken)
            ?? await AdmitAsync(pass, cancellationToken)
            ?? await RunAsync(pass, cancellationToken);

    // The API server refused a rank's pod (the namespace's Pod Security level forbids it, say): Running says why.
    private async Task RefusedAsync(TrainingJobPass pass, string refusal, CancellationToken cancellationToken)
    {
        pass.Condition("Running", false, ChildRefusals.Reason, refusal);
        await FinishAsync(pass, cancellationToken);
    }

    public static string OwnerOf(ObjectReference key) => LedgerOwners.Of(TrainingJobController.Name, key);

    private void ObserveLedger(TrainingJobPass pass)
    {
        if (pass.Pods.Count > 0)
        {
            ledger.Settled(pass.OwnerName);
        }

        foreach (var pod in pass.Pods)
        {
            ledger.Observe($"{pass.Key.Namespace}/{pod["metadata"]?["name"]}", (string?)pod["spec"]?["nodeName"] is { Length: > 0 }, Planning.Resources.PodResources.IsActive(pod) && pod["metadata"]?["deletionTimestamp"] is null);
        }
    }

    // Step: Succeeded stays Succeeded; Failed keeps no pods.
    private async Task<ReconcileResult?> FinishedAsync(TrainingJobPass pass, CancellationToken cancellationToken)
    {
        if (pass.ReadPhase is not (TrainingJobPhase.Succeeded or TrainingJobPhase.Failed))
        {
            return null;
        }

        if (pass.ReadPhase == TrainingJobPhase.Failed)
        {
            await _gangPods.DeleteAsync(pass.LivePods, cancellationToken);
        }

        ledger.Release(pass.OwnerName);
        return await FinishAsync(pass, cancellationToken);
    }

    // Step: a job that finished every step: all ranks exited 0 and rank 0 reported Completed.
    private async Task<ReconcileResult?> CompletedAsync(TrainingJobPass pass, CancellationToken cancellationToken)
    {
        var live = pass.LivePods;
        if (live.Count != pass.WorldSize || live.Any(p => (string?)p["status"]?["phase"] != "Succeeded") || pass.Progress?.State != "Completed")
        {
            return null;
        }

        pass.Status.Phase = TrainingJobPhase.Succeeded;
        pass.Status.CompletionTime ??= pass.Now;
        var message = $"all {pass.Spec.Training.Steps} steps done; final loss {pass.Status.Loss?.ToString("0.####", CultureInfo.InvariantCulture) ?? "unknown"}"
            + (pass.Status.LastVerifiedCheckpoint is { } last ? $", checkpoint {last.Path}" : "");
        pass.Condition("Running", false, "Completed", message);
        pass.Condition("Succeeded", true, "Completed", message);
        ledger.Release(pass.OwnerName);
        var result = await FinishAsync(pass, cancellationToken);
        await events.RecordAsync(pass.Job, warning: false, "Completed", "Train", message, cancellationToken);
        return result;
    }

    // The job is Failed for good: the conditions say why, every pod is deleted gracefully (each rank checkpoints on
    // SIGTERM) and its GPUs go back to the ledger. Status first: a stale view gets 409 there and deletes nothing.
    private async Task<ReconcileResult> FailAsync(TrainingJobPass pass, string reason, string message, (string Reason, string Action) @event, CancellationToken cancellationToken)
    {
        pass.Status.Phase = TrainingJobPhase.Failed;
        pass.Status.CompletionTime = pass.Now;
        pass.Condition("Running", false, reason, message);
        pass.Condition("Failed", true, reason, message);
        await FinishAsync(pass, cancellationToken);
        await _gangPods.DeleteAsync(pass.LivePods, cancellationToken);
        ledger.Release(pass.OwnerName);
        await events.RecordAsync(pass.Job, warning: true, @event.Reason, @event.Action, message, cancellationToken);
        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> FinishAsync(TrainingJobPass pass, CancellationToken cancellationToken)
    {
        var status = pass.Status;
        status.Restarts ??= 0;
        status.TotalSteps = pass.Spec.Training.Steps;
        // The parallelism may have changed while the job was suspended.
        status.ExpectedBubbleRatio = TrainingJobPlanning.ExpectedBubble(pass.Spec);
        // Every field that changes how ranks run is immutable or changes only while suspended (no rank runs then, and
        // the next ranks are created from it); the in-place ones (suspend, placement, scheduling, the deadline, the
        // failure policy) are in effect as soon as this pass acted on them.
        status.ObservedGeneration = pass.Generation;
        metrics.Observe(pass.Key.Namespace, pass.Key.Name, status, pass.Spec.Checkpoint?.IntervalSteps);
        await _status.WriteAsync($"/apis/moe.dev/v1alpha1/namespaces/{pass.Key.Namespace}/trainingjobs/{pass.Key.Name}", pass.Job, TypedStatus.ToJson(status), cancellationToken);
        // Only after the status holds rank 0's last report may its pod go.
        await ReleaseRankZeroAsync(pass, cancellationToken);
        return ReconcileResult.Done;
    }
}
