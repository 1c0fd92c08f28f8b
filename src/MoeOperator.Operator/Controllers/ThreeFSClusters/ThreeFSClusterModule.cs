using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Planning.ThreeFS;
using MoeOperator.Runtime.Hosting;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// ThreeFSCluster's part of the operator. <c>moe render</c> prints the programs' ConfigMaps, one pod per mgmtd,
/// meta and storage instance and the FUSE DaemonSet. Without a cluster there are no nodes, so pods are pinned to
/// placeholders named planned-&lt;component&gt;-node-&lt;i&gt; and mgmtd's addresses are taken from the
/// documentation range 192.0.2.0/24; the controller uses the chosen nodes and their InternalIPs.
/// </summary>
internal sealed class ThreeFSClusterModule : IKindModule
{
    public string Kind => ThreeFSCluster.KindName;

    public IReadOnlyList<JsonObject> Render(JsonObject resource, OperatorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var spec = resource["spec"].Deserialize<ThreeFSClusterSpec>(ApiJson.Options)!;
        var inputs = PlannedInputs(spec);
        // The same check the controller makes before bootstrap: a table that cannot be cut fails here, not in admin_cli.
        ChainTablePlanner.Validate(ChainTable(spec, inputs.StorageNodeIds));
        var objects = new List<JsonObject>();
        var components = new List<ThreeFSComponent> { ThreeFSComponent.Mgmtd, ThreeFSComponent.Meta, ThreeFSComponent.Storage, ThreeFSComponent.AdminCli };
        if (spec.Clients.Enabled)
        {
            components.Add(ThreeFSComponent.Fuse);
        }

        objects.AddRange(components.Select(c => ThreeFSPodBuilder.ConfigMap(resource, c, inputs)));
        objects.AddRange(ServerPods(resource, spec, ThreeFSComponent.Mgmtd, inputs.MgmtdNodeIds));
        objects.AddRange(ServerPods(resource, spec, ThreeFSComponent.Meta, inputs.MetaNodeIds));
        objects.AddRange(ServerPods(resource, spec, ThreeFSComponent.Storage, inputs.StorageNodeIds));
        if (spec.Clients.Enabled)
        {
            objects.Add(ThreeFSPodBuilder.FuseDaemonSet(resource, spec));
        }

        return objects;
    }

    public ControllerRegistration? Controller(OperatorSettings settings) => ThreeFSClusterController.Registration(ledger: settings.Ledger);

    /// <summary>The chain table the spec asks for, over the storage instances' node ids.</summary>
    public static ChainTableRequest ChainTable(ThreeFSClusterSpec spec, IReadOnlyList<int> storageNodeIds)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new ChainTableRequest(storageNodeIds, spec.Storage.DiskPaths.Count, spec.Storage.TargetsPerDisk, spec.Storage.ReplicationFactor)
        {
            StripeSize = spec.Storage.StripeSize,
        };
    }

    private static ThreeFSConfigInputs PlannedInputs(ThreeFSClusterSpec spec) =>
        ThreeFSConfigInputs.ForReplicas(spec, [.. Enumerable.Range(1, spec.Mgmtd.Replicas).Select(i => $"192.0.2.{i.ToString(CultureInfo.InvariantCulture)}")]);

    private static IEnumerable<JsonObject> ServerPods(JsonObject resource, ThreeFSClusterSpec spec, ThreeFSComponent component, IReadOnlyList<int> nodeIds) =>
        nodeIds.Select((id, i) => ThreeFSPodBuilder.ServerPod(resource, spec, component, id, $"planned-{ThreeFSNames.Component(component)}-node-{i.ToString(CultureInfo.InvariantCulture)}"));
}
