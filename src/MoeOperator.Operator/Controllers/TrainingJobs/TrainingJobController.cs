using MoeOperator.Api.V1Alpha1;
using MoeOperator.Planning.Placement;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Hosting;
using MoeOperator.Runtime.Informers;

namespace MoeOperator.Controllers.TrainingJobs;

/// <summary>
/// Wires the TrainingJob controller: TrainingJobs (For), their pods and Services (Owns; the pod informer also sees
/// every other pod, whose GPUs the planner counts), Nodes (Watches: a node change re-evaluates jobs waiting for
/// room) and ThreeFSClusters (Watches: a job whose data or checkpoints live there waits for it). Placements go
/// through the process's <see cref="PlacementLedger"/>, shared with EPGroups, so the two never take the same GPUs.
/// </summary>
internal static class TrainingJobController
{
    public const string Name = "trainingjob";

    public static ControllerRegistration Registration(int workers = 2, PlacementLedger? ledger = null) => new(Name, workers, context =>
    {
        var controller = context.NewController(Name);
        ledger ??= new PlacementLedger(context.Clock);
        LedgerOwners.WakeInto(ledger, Name, controller.Queue);
        var jobs = controller.For(context.Sources(new ResourceCollection("/apis/moe.dev/v1alpha1", Kinds.TrainingJob.Plural, Namespaced: true)), context.Informers);
        var pods = controller.Owns(context.Sources(new ResourceCollection("/api/v1", "pods", Namespaced: true)), TrainingJob.KindName, context.Informers);
        var services = controller.Owns(context.Sources(new ResourceCollection("/api/v1", "services", Namespaced: true)), TrainingJob.KindName, context.Informers);
        var nodes = controller.Watches(context.Sources(new ResourceCollection("/api/v1", "nodes", Namespaced: false)), context.Informers, _ =>
            jobs.List().Where(j => TypedStatus.Of<TrainingJobStatus>(j).Phase is null or TrainingJobPhase.Pending).Select(ObjectCache.KeyOf));
        var threeFSClusters = controller.Watches(context.Sources(new ResourceCollection("/apis/moe.dev/v1alpha1", Kinds.ThreeFSCluster.Plural, Namespaced: true)), context.Informers, cluster =>
            jobs.List().Where(j => (string?)j["metadata"]?["namespace"] == (string?)cluster["metadata"]?["namespace"]
                && ((string?)j["spec"]?["data"]?["threeFS"]?["clusterRef"] == (string?)cluster["metadata"]?["name"]
                    || (string?)j["spec"]?["checkpoint"]?["threeFS"]?["clusterRef"] == (string?)cluster["metadata"]?["name"])).Select(ObjectCache.KeyOf));
        var events = new EventRecorder(context.Json, "moe-operator/trainingjob", Environment.MachineName, context.Clock);
        var reconciler = new TrainingJobReconciler(jobs, pods, services, nodes, threeFSClusters, context.Json, events, new TrainingJobMetrics(context.Metrics.Registry), ledger, context.Clock);
        return (controller, reconciler);
    });
}
