using MoeOperator.Api.V1Alpha1;
using MoeOperator.Planning.Placement;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Hosting;
using MoeOperator.Runtime.Informers;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// Wires the ThreeFSCluster controller: clusters (For); their pods, Jobs, ConfigMaps, Secrets, DaemonSets,
/// StatefulSets and Services (Owns; the pod informer also sees admin Job pods, whose logs the controller reads);
/// and Nodes (Watches: a cluster still waiting for nodes looks again when nodes change).
/// </summary>
internal static class ThreeFSClusterController
{
    public const string Name = "threefscluster";

    public static ControllerRegistration Registration(int workers = 2, PlacementLedger? ledger = null) => new(Name, workers, context =>
    {
        var controller = context.NewController(Name);
        ledger ??= new PlacementLedger(context.Clock);
        var clusters = controller.For(context.Sources(new ResourceCollection("/apis/moe.dev/v1alpha1", Kinds.ThreeFSCluster.Plural, Namespaced: true)), context.Informers);
        var pods = controller.Owns(context.Sources(new ResourceCollection("/api/v1", "pods", Namespaced: true)), ThreeFSCluster.KindName, context.Informers);
        var jobs = controller.Owns(context.Sources(new ResourceCollection("/apis/batch/v1", "jobs", Namespaced: true)), ThreeFSCluster.KindName, context.Informers);
        var configMaps = controller.Owns(context.Sources(new ResourceCollection("/api/v1", "configmaps", Namespaced: true)), ThreeFSCluster.KindName, context.Informers);
        var secrets = controller.Owns(context.Sources(new ResourceCollection("/api/v1", "secrets", Namespaced: true)), ThreeFSCluster.KindName, context.Informers);
        var daemonSets = controller.Owns(context.Sources(new ResourceCollection("/apis/apps/v1", "daemonsets", Namespaced: true)), ThreeFSCluster.KindName, context.Informers);
        var nodes = controller.Watches(context.Sources(new ResourceCollection("/api/v1", "nodes", Namespaced: false)), context.Informers, _ =>
            clusters.List().Where(c => TypedStatus.Of<ThreeFSClusterStatus>(c).Phase is null or ThreeFSClusterPhase.Pending).Select(ObjectCache.KeyOf));
        var events = new EventRecorder(context.Json, "moe-operator/threefscluster", Environment.MachineName, context.Clock);
        var reconciler = new ThreeFSClusterReconciler(clusters, pods, jobs, configMaps, secrets, daemonSets, nodes, context.Json, events, new ThreeFSMetrics(context.Metrics.Registry), ledger, context.Clock);
        return (controller, reconciler);
    });
}
