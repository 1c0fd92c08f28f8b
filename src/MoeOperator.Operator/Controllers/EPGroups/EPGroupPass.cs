using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>
/// One reconcile of one EPGroup: the group as read (builders and the status writer take its JSON), its typed spec,
/// the typed status being built, the phase it had when read, the clock's now, the generation and the pods it owns
/// from the cache. The reconciler's steps read and edit this, nothing else.
/// </summary>
internal sealed class EPGroupPass
{
    private EPGroupPass(ObjectReference key, JsonObject group, EPGroupSpec spec, EPGroupStatus status, List<JsonObject> pods, DateTimeOffset now)
    {
        Key = key;
        Group = group;
        Spec = spec;
        Status = status;
        ReadPhase = status.Phase;
        Pods = pods;
        Now = now;
        Generation = (long?)group["metadata"]?["generation"] ?? 1;
        Revision = EPGroupBuilder.Revision(spec);
    }

    public ObjectReference Key { get; }

    public JsonObject Group { get; }

    public EPGroupSpec Spec { get; }

    public EPGroupStatus Status { get; }

    /// <summary>The phase as read, before any step changed it.</summary>
    public EPGroupPhase? ReadPhase { get; }

    public List<JsonObject> Pods { get; }

    public DateTimeOffset Now { get; }

    public long Generation { get; }

    /// <summary>The revision of the spec the pods must run; a pod of another revision means the group is replaced.</summary>
    public string Revision { get; }

    /// <summary>The live pods (not being deleted) made for another revision of the spec.</summary>
    public List<JsonObject> StalePods => [.. Pods.Where(p => p["metadata"]?["deletionTimestamp"] is null && EPGroupBuilder.IsOutdated(p, Revision))];

    public int NodeCount => Spec.Ranks / Spec.RanksPerNode;

    public bool External => EPGroupBuilder.UsesExternalScheduler(Spec);

    /// <summary>When to look again at the latest (a pod given a chance to be scheduled), or null.</summary>
    public TimeSpan? Recheck { get; set; }

    public static EPGroupPass Of(ObjectReference key, JsonObject group, List<JsonObject> pods, DateTimeOffset now) =>
        new(key, group, group["spec"].Deserialize<EPGroupSpec>(ApiJson.Options)!, TypedStatus.Of<EPGroupStatus>(group), pods, now);

    /// <summary>Sets a condition of the status being built, at this pass's generation and time.</summary>
    public void Condition(string type, bool? value, string reason, string message) =>
        ConditionList.Set(Status.Conditions ??= [], type, value, reason, message, Generation, Now);
}
