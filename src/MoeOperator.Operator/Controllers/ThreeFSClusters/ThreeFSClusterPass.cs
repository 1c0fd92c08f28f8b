using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Runtime.Controllers;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// One reconcile of one ThreeFSCluster: the cluster as read (builders and the status writer take its JSON), its
/// typed spec, the typed status being built, the clock's now, the generation, and the daemons' placement once it is
/// recorded. The reconciler's steps (FoundationDB, members, configs, chain table, bootstrap, health, upgrade,
/// scale-out) read and edit this.
/// </summary>
internal sealed class ThreeFSClusterPass
{
    private ThreeFSClusterPass(ObjectReference key, JsonObject cluster, DateTimeOffset now)
    {
        Key = key;
        Cluster = cluster;
        Spec = cluster["spec"].Deserialize<ThreeFSClusterSpec>(ApiJson.Options)!;
        Status = TypedStatus.Of<ThreeFSClusterStatus>(cluster);
        Generation = (long?)cluster["metadata"]?["generation"] ?? 1;
        Now = now;
        Status.Phase ??= ThreeFSClusterPhase.Pending;
    }

    public ObjectReference Key { get; }

    public JsonObject Cluster { get; }

    public ThreeFSClusterSpec Spec { get; }

    public ThreeFSClusterStatus Status { get; }

    public long Generation { get; }

    public DateTimeOffset Now { get; }

    /// <summary>The daemons' recorded placement (empty until the members step has recorded it).</summary>
    public IReadOnlyList<ThreeFSMember> Members => Status.Members ?? [];

    /// <summary>
    /// Whether the cluster runs this generation's spec: serving (Ready or Degraded), every daemon on the spec's image,
    /// every FUSE client on the spec's template, the chain table over every storage node, and the spec accepted (a
    /// refused scale-down is not carried out), each as a condition written at this generation.
    /// </summary>
    public bool Realized =>
        Status.Phase is ThreeFSClusterPhase.Ready or ThreeFSClusterPhase.Degraded && ClientsUpToDate
        && Settled("Upgrading", ConditionStatus.False) && Settled("StorageScaling", ConditionStatus.False) && Settled("SpecAccepted", ConditionStatus.True);

    /// <summary>Whether every FUSE client runs the spec's template (set by the clients step; false until it has looked).</summary>
    public bool ClientsUpToDate { get; set; }

    public static ThreeFSClusterPass Of(ObjectReference key, JsonObject cluster, DateTimeOffset now) => new(key, cluster, now);

    private bool Settled(string type, ConditionStatus expected) =>
        ConditionList.Find(Status.Conditions, type) is { } condition && condition.ObservedGeneration == Generation && condition.Status == expected;
}
