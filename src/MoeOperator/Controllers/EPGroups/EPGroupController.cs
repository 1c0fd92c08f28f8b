using MoeOperator.Api.V1Alpha1;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Hosting;
using MoeOperator.Runtime.Informers;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>
/// Wires the EPGroup controller: EPGroups (For), their pods, Services and ConfigMaps (Owns; the pod informer also
/// sees every other pod, whose GPU requests the planner counts), and Nodes (Watches: a node change re-evaluates
/// every group still waiting for room).
/// </summary>
internal static class EPGroupController
{
    public const string Name = "epgroup";

    public static ControllerRegistration Registration(int workers = 2) => new(Name, workers, context =>
    {
        var controller = context.NewController(Name);
        var groups = controller.For(context.Sources(new ResourceCollection("/apis/moe.dev/v1alpha1", Kinds.EPGroup.Plural, Namespaced: true)), context.Informers);
        var pods = controller.Owns(context.Sources(new ResourceCollection("/api/v1", "pods", Namespaced: true)), EPGroup.KindName, context.Informers);
        var services = controller.Owns(context.Sources(new ResourceCollection("/api/v1", "services", Namespaced: true)), EPGroup.KindName, context.Informers);
        var configMaps = controller.Owns(context.Sources(new ResourceCollection("/api/v1", "configmaps", Namespaced: true)), EPGroup.KindName, context.Informers);
        var nodes = controller.Watches(context.Sources(new ResourceCollection("/api/v1", "nodes", Namespaced: false)), context.Informers, _ =>
            groups.List().Where(g => (string?)g["status"]?["phase"] is null or nameof(EPGroupPhase.Pending)).Select(ObjectCache.KeyOf));
        var events = new EventRecorder(context.Json, "moe-operator/epgroup", Environment.MachineName, context.Clock);
        var reconciler = new EPGroupReconciler(groups, pods, services, configMaps, nodes, context.Json, events, new EPGroupMetrics(context.Metrics.Registry), context.Clock);
        return (controller, reconciler);
    });
}
