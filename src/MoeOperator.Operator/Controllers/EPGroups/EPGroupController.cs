using MoeOperator.Api.V1Alpha1;
using MoeOperator.Planning.Placement;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Controllers;
using MoeOperator.Runtime.Hosting;
using MoeOperator.Runtime.Informers;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>
/// Wires the EPGroup controller: EPGroups (For), their pods, Services and ConfigMaps (Owns; the pod informer also
/// sees every other pod, whose GPU requests the planner counts), and Nodes (Watches: a node change re-evaluates
/// every group still waiting for room), and ThreeFSClusters (Watches: a group mounting one waits for it to be Ready). Placements go through the process's <see cref="PlacementLedger"/>, which
/// wakes a waiting group when room was found for it.
/// </summary>
internal static class EPGroupController
{
    public const string Name = "epgroup";

    /// <summary>The ledger's owner name of a group: <c>epgroup/namespace/name</c>.</summary>
    public static string Owner(ObjectReference key) => LedgerOwners.Of(Name, key);

    public static ControllerRegistration Registration(int workers = 2, PlacementLedger? ledger = null) => new(Name, workers, context =>
    {
        var controller = context.NewController(Name);
        ledger ??= new PlacementLedger(context.Clock);
        LedgerOwners.WakeInto(ledger, Name, controller.Queue);
        var groups = controller.For(context.Sources(new ResourceCollection("/apis/moe.dev/v1alpha1", Kinds.EPGroup.Plural, Namespaced: true)), context.Informers);
        var pods = controller.Owns(context.Sources(new ResourceCollection("/api/v1", "pods", Namespaced: true)), EPGroup.KindName, context.Informers);
        var services = controller.Owns(context.Sources(new ResourceCollection("/api/v1", "services", Namespaced: true)), EPGroup.KindName, context.Informers);
        var configMaps = controller.Owns(context.Sources(new ResourceCollection("/api/v1", "configmaps", Namespaced: true)), EPGroup.KindName, context.Informers);
        var nodes = controller.Watches(context.Sources(new ResourceCollection("/api/v1", "nodes", Namespaced: false)), context.Informers, _ =>
            groups.List().Where(g => TypedStatus.Of<EPGroupStatus>(g).Phase is null or EPGroupPhase.Pending).Select(ObjectCache.KeyOf));
        // A group mounting a 3FS file system waits for its cluster: the cluster's changes wake the groups naming it.
        var threeFSClusters = controller.Watches(context.Sources(new ResourceCollection("/apis/moe.dev/v1alpha1", Kinds.ThreeFSCluster.Plural, Namespaced: true)), context.Informers, cluster =>
            groups.List().Where(g => (string?)g["metadata"]?["namespace"] == (string?)cluster["metadata"]?["namespace"]
                && (string?)g["spec"]?["threeFS"]?["clusterRef"] == (string?)cluster["metadata"]?["name"]).Select(ObjectCache.KeyOf));
        var events = new EventRecorder(context.Json, "moe-operator/epgroup", Environment.MachineName, context.Clock);
        var reconciler = new EPGroupReconciler(groups, pods, services, configMaps, nodes, threeFSClusters, context.Json, events, new EPGroupMetrics(context.Metrics.Registry), ledger, context.Clock);
        return (controller, reconciler);
    });
}
