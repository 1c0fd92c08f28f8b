using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Contract.Training;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Controllers.TrainingJobs;

/// <summary>
/// One reconcile of one TrainingJob: the job as read, its typed spec, the typed status being built, the phase it had
/// when read, its pods from the cache (live ones: not being deleted), rank 0's newest progress report, and now.
/// </summary>
internal sealed class TrainingJobPass
{
    private TrainingJobPass(ObjectReference key, JsonObject job, TrainingJobSpec spec, TrainingJobStatus status, List<JsonObject> pods, DateTimeOffset now)
    {
        (Key, Job, Spec, Status, Pods, Now) = (key, job, spec, status, pods, now);
        ReadPhase = status.Phase;
        Generation = (long?)job["metadata"]?["generation"] ?? 1;
        // During a restart the previous attempt's rank 0 may still be winding down beside the new one: only the
        // newest speaks (until it has reported, status keeps what it had).
        var rankZero = pods.Where(p => (string?)p["metadata"]?["labels"]?[TrainingJobNames.RankLabel] == "0")
            .OrderByDescending(p => int.TryParse((string?)p["metadata"]?["labels"]?[TrainingJobNames.AttemptLabel], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var attempt) ? attempt : -1)
            .FirstOrDefault();
        Progress = (string?)rankZero?["metadata"]?["annotations"]?[TrainingProgressReport.Annotation] is { } report ? TrainingProgressReport.Parse(report) : null;
    }

    public ObjectReference Key { get; }

    public JsonObject Job { get; }

    public TrainingJobSpec Spec { get; }

    public TrainingJobStatus Status { get; }

    public TrainingJobPhase? ReadPhase { get; }

    /// <summary>Every pod the job owns, terminating ones included.</summary>
    public List<JsonObject> Pods { get; }

    public List<JsonObject> LivePods => [.. Pods.Where(p => p["metadata"]?["deletionTimestamp"] is null)];

    public DateTimeOffset Now { get; }

    public long Generation { get; }

    /// <summary>Rank 0's newest report of the current pods, or null.</summary>
    public TrainingProgressReport? Progress { get; }

    /// <summary>The restart attempt the pods of this run belong to.</summary>
    public int Attempt => Status.Restarts ?? 0;

    public int WorldSize => TrainingJobBuilder.WorldSize(Spec);

    public string OwnerName => TrainingJobReconciler.OwnerOf(Key);

    public static TrainingJobPass Of(ObjectReference key, JsonObject job, List<JsonObject> pods, DateTimeOffset now) =>
        new(key, job, job["spec"].Deserialize<TrainingJobSpec>(ApiJson.Options)!, TypedStatus.Of<TrainingJobStatus>(job), pods, now);

    public void Condition(string type, bool? value, string reason, string message) =>
        ConditionList.Set(Status.Conditions ??= [], type, value, reason, message, Generation, Now);
}
