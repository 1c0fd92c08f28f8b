using MoeOperator.Api.V1Alpha1;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Controllers.TrainingJobs;

internal sealed partial class TrainingJobReconciler
{
    // Step: spec.suspend. The pods are deleted gracefully: SIGTERM asks every rank to stop at the next step boundary,
    // where they all checkpoint (within the pods' grace period) and exit 0; rank 0's report of that checkpoint sets
    // CheckpointedForSuspend before its pod goes. Once no pod is left the job is Suspended and holds no GPUs. Unset,
    // a Suspended job is placed again and its ranks resume from that checkpoint, with the image, parallelism and
    // resources of the spec at that moment (those may change only while suspended): they re-shard by tensor name.
    private async Task<ReconcileResult?> SuspendAsync(TrainingJobPass pass, CancellationToken cancellationToken)
    {
        if (!pass.Spec.Suspend)
        {
            if (pass.ReadPhase == TrainingJobPhase.Suspended)
            {
                pass.Status.Phase = TrainingJobPhase.Pending;
                // As for a Job, spec.activeDeadlineSeconds counts afresh from the resume.
                pass.Status.StartTime = null;
                pass.Condition("Suspended", false, "Resumed", "spec.suspend is false: the job is placed again and resumes from its newest verified checkpoint");
                await events.RecordAsync(pass.Job, warning: false, "Resumed", "Suspend", "spec.suspend is false: placing the job again", cancellationToken);
            }

            return null;
        }

        if (pass.LivePods is { Count: > 0 } live)
        {
            var message = pass.Spec.Checkpoint is null
                ? "spec.suspend: stopping every rank; the job has no spec.checkpoint, so it resumes from step 1"
                : $"spec.suspend: every rank checkpoints at the next step boundary and stops (within {TrainingJobBuilder.TerminationGraceSeconds}s)";
            pass.Condition("CheckpointedForSuspend", false, pass.Spec.Checkpoint is null ? "NoCheckpointLocation" : "Checkpointing", message);
            pass.Condition("Suspended", false, "Suspending", message);
            await FinishAsync(pass, cancellationToken);
            await _gangPods.DeleteAsync(live, cancellationToken);
            await events.RecordAsync(pass.Job, warning: false, "Suspending", "Suspend", message, cancellationToken);
            return ReconcileResult.After(TimeSpan.FromSeconds(2));
        }

        if (pass.Pods.Count > 0)
        {
            // Ranks still finishing their step and checkpoint.
            await FinishAsync(pass, cancellationToken);
            return ReconcileResult.After(TimeSpan.FromSeconds(2));
        }

        ledger.Release(pass.OwnerName);
        // The next run is placed afresh, by the placement spec of its time.
        pass.Status.Placement = null;
        if (pass.ReadPhase != TrainingJobPhase.Suspended)
        {
            pass.Status.Phase = TrainingJobPhase.Suspended;
            var checkpointed = ConditionList.Find(pass.Status.Conditions, "CheckpointedForSuspend") is { Status: ConditionStatus.True };
            if (!checkpointed && pass.ReadPhase is TrainingJobPhase.Running)
            {
                pass.Condition("CheckpointedForSuspend", false, "NotCheckpointed", "the ranks stopped without reporting a checkpoint (no checkpoint location, or the grace period ran out); the job resumes from its newest verified checkpoint, if any");
            }

            var message = $"suspended after step {pass.Status.Step ?? 0}" + (pass.Status.LastVerifiedCheckpoint is { } last ? $"; resumes from {last.Path}" : "");
            pass.Condition("Suspended", true, "Suspended", message);
            pass.Condition("Running", false, "Suspended", message);
            await events.RecordAsync(pass.Job, warning: false, "Suspended", "Suspend", message, cancellationToken);
        }

        return await FinishAsync(pass, cancellationToken);
    }
}
