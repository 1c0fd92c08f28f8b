using System.Globalization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Controllers.TrainingJobs;

internal sealed partial class TrainingJobReconciler
{
    // Step: spec.activeDeadlineSeconds, counted from status.startTime as a Job counts it. Past it the job is Failed
    // with reason DeadlineExceeded and its pods are deleted gracefully: SIGTERM makes every rank checkpoint at the next
    // step boundary, so the time spent is not lost (rank 0's report of that checkpoint still reaches status).
    private async Task<ReconcileResult?> DeadlineAsync(TrainingJobPass pass, CancellationToken cancellationToken)
    {
        if (Deadline(pass) is not { } deadline || pass.Now < deadline)
        {
            return null;
        }

        var limit = pass.Spec.ActiveDeadlineSeconds!.Value;
        var message = string.Create(CultureInfo.InvariantCulture, $"the job ran {(long)(pass.Now - pass.Status.StartTime!.Value).TotalSeconds}s since {pass.Status.StartTime:u}, past spec.activeDeadlineSeconds ({limit}s)")
            + (pass.LivePods.Count > 0 ? "; every rank checkpoints at its next step boundary and stops" : "");
        return await FailAsync(pass, "DeadlineExceeded", message, ("DeadlineExceeded", "Deadline"), cancellationToken);
    }

    private static DateTimeOffset? Deadline(TrainingJobPass pass) =>
        pass.Spec.ActiveDeadlineSeconds is { } limit && pass.Status.StartTime is { } start && !pass.Spec.Suspend
            && pass.Status.Phase is not (TrainingJobPhase.Succeeded or TrainingJobPhase.Failed)
            ? start + TimeSpan.FromSeconds(Math.Min(limit, (long)TimeSpan.MaxValue.TotalSeconds / 2))
            : null;

    // Nothing else wakes a job whose deadline passes while it waits (for capacity, storage or a back-off), so every
    // pass that leaves a deadline ahead comes back no later than it.
    private static ReconcileResult WakeByDeadline(TrainingJobPass pass, ReconcileResult result)
    {
        if (Deadline(pass) is not { } deadline || result.Requeue)
        {
            return result;
        }

        var remaining = deadline - pass.Now + TimeSpan.FromSeconds(1);
        return result.RequeueAfter is { } after && after <= remaining ? result : ReconcileResult.After(remaining);
    }
}
