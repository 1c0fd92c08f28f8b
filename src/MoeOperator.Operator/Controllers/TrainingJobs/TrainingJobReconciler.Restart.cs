using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.EPGroups;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Controllers.TrainingJobs;

internal sealed partial class TrainingJobReconciler
{
    // Step: a rank of the current attempt failed (or every rank stopped on a SIGTERM that was not a suspend: a
    // drain). Every rank stops, and after the back-off all start again as the next attempt, resuming from the newest
    // verified checkpoint; past maxRestarts the job is Failed. The failure (rank, node, reason, log tail) stays in status.
    private async Task<ReconcileResult?> FailedRankAsync(TrainingJobPass pass, CancellationToken cancellationToken)
    {
        if (pass.ReadPhase is TrainingJobPhase.Restarting || Failure(pass) is not { } failed)
        {
            return null;
        }

        var (pod, reason, message) = failed;
        var podName = (string)pod["metadata"]!["name"]!;
        var rank = int.TryParse((string?)pod["metadata"]?["labels"]?[TrainingJobNames.RankLabel], NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) ? r : (int?)null;
        var restarts = pass.Status.Restarts ?? 0;
        var policy = pass.Spec.FailurePolicy;
        pass.Status.LastFailure = new FailureRecord
        {
            Reason = reason,
            Message = message,
            Pod = podName,
            Rank = rank,
            Node = (string?)pod["spec"]?["nodeName"],
            Time = pass.Now,
            LogTail = await _gangPods.LogTailAsync(pass.Key.Namespace, podName, null, cancellationToken),
        };
        var from = pass.Status.LastVerifiedCheckpoint is { } last ? $"step {last.Step} ({last.Path})" : "step 1 (no verified checkpoint yet)";
        if (restarts >= policy.MaxRestarts)
        {
            var final = $"{message}; {restarts} restarts of {policy.MaxRestarts} allowed (spec.failurePolicy.maxRestarts) are used up";
            return await FailAsync(pass, "RestartsExhausted", final, ("Failed", "Restart"), cancellationToken);
        }

        var delay = EPGroupFailure.Backoff(restarts + 1, Durations.Parse(policy.InitialBackoff), Durations.Parse(policy.MaxBackoff));
        pass.Status.Restarts = restarts + 1;
        pass.Status.Phase = TrainingJobPhase.Restarting;
        var text = $"{message}; restarting every rank from {from} in {delay.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s (restart {restarts + 1} of {policy.MaxRestarts})";
        pass.Condition("Running", false, reason, text);
        // Status first: a stale view gets 409 here and deletes nothing.
        await FinishAsync(pass, cancellationToken);
        await _gangPods.DeleteAsync(pass.LivePods, cancellationToken);
        ledger.Release(pass.OwnerName);
        metrics.Restarted(pass.Key.Namespace, pass.Key.Name);
        await events.RecordAsync(pass.Job, warning: true, "Restarting", "Restart", text, cancellationToken);
        return ReconcileResult.After(delay);
    }

    // Step: a Restarting job removes its pods and waits out the back-off, then is placed again.
    private async Task<ReconcileResult?> RestartingAsync(TrainingJobPass pass, CancellationToken cancellationToken)
    {
        if (pass.ReadPhase != TrainingJobPhase.Restarting)
        {
            return null;
        }

        if (pass.Pods.Count > 0)
        {
            await _gangPods.DeleteAsync(pass.LivePods, cancellationToken);
            await FinishAsync(pass, cancellationToken);
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        var policy = pass.Spec.FailurePolicy;
        var due = (pass.Status.LastFailure?.Time ?? pass.Now) + EPGroupFailure.Backoff(pass.Status.Restarts ?? 1, Durations.Parse(policy.InitialBackoff), Durations.Parse(policy.MaxBackoff));
        if (pass.Now < due)
        {
            await FinishAsync(pass, cancellationToken);
            return ReconcileResult.After(due - pass.Now);
        }

        pass.Status.Phase = TrainingJobPhase.Pending;
        pass.Status.Placement = null;
        return null;
    }

    // The failure that costs a restart: a failed pod of the current attempt, or the whole attempt stopped (every
    // rank exited 0 short of the last step) without a suspend. Pods of an earlier attempt failing as they are
    // stopped are not new failures.
    private static (JsonObject Pod, string Reason, string Message)? Failure(TrainingJobPass pass)
    {
        var current = pass.LivePods.Where(p => EPGroupFailure.OfAttempt(p, pass.Attempt)).ToList();
        if (current.FirstOrDefault(p => (string?)p["status"]?["phase"] == "Failed") is { } failed)
        {
            var (reason, message) = EPGroupFailure.Describe(failed);
            return (failed, reason, message);
        }

        if (!pass.Spec.Suspend && current.Count == pass.WorldSize && current.All(p => (string?)p["status"]?["phase"] == "Succeeded") && pass.Progress?.State == "Suspended")
        {
            return (current[0], "Interrupted", $"every rank stopped after step {pass.Progress.Step} on SIGTERM (a node drain or eviction), not on spec.suspend");
        }

        return null;
    }
}
