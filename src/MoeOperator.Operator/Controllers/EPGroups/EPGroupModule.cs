using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Runtime.Hosting;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>
/// EPGroup's part of the operator. <c>moe render</c> prints the headless Service, the initial expert map and one pod
/// per node; without a cluster there are no nodes to plan on, so pods are pinned to placeholders named
/// planned-node-&lt;i&gt;, where the controller puts the placement planner's choices. With an external gang
/// scheduler (spec.scheduling.schedulerName) the pods are not pinned and a PodGroup comes first. The controller is
/// <see cref="EPGroupController"/>.
/// </summary>
internal sealed class EPGroupModule : IKindModule
{
    public string Kind => EPGroup.KindName;

    public IReadOnlyList<JsonObject> Render(JsonObject resource, OperatorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var spec = resource["spec"].Deserialize<EPGroupSpec>(ApiJson.Options)!;
        var nodes = spec.Ranks / spec.RanksPerNode;
        var external = EPGroupBuilder.UsesExternalScheduler(spec);
        // Rendered alone, a group mounting 3FS is shown with the default FUSE client settings of a ThreeFSCluster.
        var threeFS = spec.ThreeFS is { } mount ? ThreeFSAttachment.For(mount, new ClientsSpec()) : null;
        return
        [
            .. external ? [EPGroupBuilder.PodGroup(resource, spec)] : Array.Empty<JsonObject>(),
            EPGroupBuilder.HeadlessService(resource),
            .. WorkerAccess.Objects(resource, EPGroup.KindName, EPGroupNames.GroupLabel, [.. Enumerable.Range(0, nodes).Select(i => EPGroupNames.Pod((string)resource["metadata"]!["name"]!, i))]).Select(o => o.Object),
            ExpertMapBuilder.ConfigMap(resource, spec, ExpertMapBuilder.Plan(spec), version: 1),
            .. Enumerable.Range(0, nodes).Select(i => EPGroupBuilder.Pod(resource, spec, i, external ? null : $"planned-node-{i.ToString(CultureInfo.InvariantCulture)}", threeFS)),
        ];
    }

    public ControllerRegistration? Controller(OperatorSettings settings) => EPGroupController.Registration(ledger: settings.Ledger);
}
