using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Contract.Training;

namespace MoeOperator.Controllers.TrainingJobs;

internal sealed partial class TrainingJobReconciler
{
    // How long past its grace period a deleted rank 0 may stay unfinished (its node gone, say) before its report is given up.
    private static readonly TimeSpan _abandonReportAfter = TimeSpan.FromSeconds(TrainingJobBuilder.TerminationGraceSeconds + 60);

    // Rank 0's report into status: step, loss, throughput, data cursor, balance, bubble, checkpoints. A resume that
    // passed over damaged checkpoints says so once, as events.
    private async Task ObserveProgressAsync(TrainingJobPass pass, CancellationToken cancellationToken)
    {
        if (pass.Progress is not { } report)
        {
            return;
        }

        var status = pass.Status;
        status.Step = report.Step;
        status.Loss = report.Loss is { } loss ? Math.Round(loss, 6) : status.Loss;
        status.TokensPerSecond = report.TokensPerSecond is { } tokens ? Math.Round(tokens, 1) : status.TokensPerSecond;
        status.SamplesConsumed = report.SamplesConsumed;
        status.ExpertImbalance = report.ExpertImbalance is { } imbalance ? Math.Round(imbalance, 4) : status.ExpertImbalance;
        status.ExpertImbalanceByLayer = report.ExpertImbalanceByLayer is { Count: > 0 } layers
            ? [.. layers.OrderBy(l => l.Key).Select(l => new LayerImbalance { Layer = l.Key, Imbalance = Math.Round(l.Value, 4) })]
            : status.ExpertImbalanceByLayer;
        status.MeasuredBubbleRatio = report.MeasuredBubble is { } bubble ? Math.Round(bubble, 4) : status.MeasuredBubbleRatio;
        if (report.LastCheckpoint is { } checkpoint && checkpoint.Step >= (status.LastVerifiedCheckpoint?.Step ?? 0) && checkpoint.Digest != status.LastVerifiedCheckpoint?.Digest)
        {
            status.LastVerifiedCheckpoint = Record(checkpoint, pass.Now);
            // A resume reports the checkpoint it loaded as its last one: that is the Resumed event's, not a new one.
            if (report.ResumedFrom?.Digest != checkpoint.Digest)
            {
                var size = checkpoint.Bytes is { } bytes ? $", {bytes} bytes" : "";
                var took = checkpoint.Seconds is { } seconds ? string.Create(CultureInfo.InvariantCulture, $" in {seconds:0.##}s") : "";
                await events.RecordAsync(pass.Job, warning: false, "Checkpointed", "Checkpoint", $"step {checkpoint.Step} checkpointed to {checkpoint.Path}{size}{took} (manifest sha256 {checkpoint.Digest})", cancellationToken);
            }
        }

        if (report.ResumedFrom is { } resumed && resumed.Digest != status.ResumedFrom?.Digest)
        {
            status.ResumedFrom = Record(resumed, pass.Now);
        }

        if (report.State == "Suspended" && pass.Spec.Suspend)
        {
            pass.Condition("CheckpointedForSuspend", true, "Checkpointed", $"every rank stopped after step {report.Step}" + (report.LastCheckpoint is { } last ? $" with checkpoint {last.Path}" : ""));
        }

        var uid = (string)pass.Job["metadata"]!["uid"]!;
        if ((report.ResumedFrom is not null || report.SkippedCheckpoints is { Count: > 0 }) && _announcedResumes.TryAdd((uid, pass.Attempt), true))
        {
            foreach (var skipped in report.SkippedCheckpoints ?? [])
            {
                await events.RecordAsync(pass.Job, warning: true, "CheckpointSkipped", "Resume", $"checkpoint {skipped}; it is never loaded", cancellationToken);
            }

            if (report.ResumedFrom is { } from)
            {
                await events.RecordAsync(pass.Job, warning: false, "Resumed", "Resume", $"resumed after step {from.Step} from {from.Path} (manifest sha256 {from.Digest})", cancellationToken);
            }
        }
    }

    private static CheckpointRecord Record(CheckpointReport report, DateTimeOffset now) =>
        new() { Step = report.Step, Path = report.Path, Digest = report.Digest, SizeBytes = report.Bytes, DurationSeconds = report.Seconds is { } s ? Math.Round(s, 3) : null, Time = now };

    // Rank 0's pod is let go once it has finished (its last report is read above), or when it was deleted and never
    // finished within its grace period (the node is gone: there is no last report to wait for).
    private async Task ReleaseRankZeroAsync(TrainingJobPass pass, CancellationToken cancellationToken)
    {
        var done = pass.Pods.Where(p =>
        {
            var phase = (string?)p["status"]?["phase"];
            var deleted = DateTimeOffset.TryParse((string?)p["metadata"]?["deletionTimestamp"], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null;
            return phase is "Succeeded" or "Failed" && (deleted is not null || pass.ReadPhase is TrainingJobPhase.Succeeded or TrainingJobPhase.Failed or TrainingJobPhase.Suspended)
                || deleted is { } since && pass.Now - since > _abandonReportAfter;
        });
        await ReleaseFinalizersAsync(done, cancellationToken);
    }

    private async Task ReleaseFinalizersAsync(IEnumerable<JsonObject> candidates, CancellationToken cancellationToken)
    {
        foreach (var pod in candidates)
        {
            if (pod["metadata"]?["finalizers"] is not JsonArray finalizers || !finalizers.Any(f => (string?)f == TrainingJobNames.ProgressFinalizer))
            {
                continue;
            }

            var remaining = new JsonArray([.. finalizers.Where(f => (string?)f != TrainingJobNames.ProgressFinalizer).Select(f => (JsonNode?)f?.DeepClone())]);
            var patch = new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = remaining, ["resourceVersion"] = (string?)pod["metadata"]?["resourceVersion"] } };
            var (status, body) = await api.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{pod["metadata"]!["namespace"]}/pods/{pod["metadata"]!["name"]}", patch, "application/merge-patch+json", cancellationToken);
            if (status is not (System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict))
            {
                throw new Runtime.Client.ApiRequestException(status, $"releasing pod {pod["metadata"]!["name"]} answered {(int)status}: {body?["message"]}");
            }
        }
    }
}
