using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Runtime.Hosting;

namespace MoeOperator.Controllers.TrainingJobs;

/// <summary>
/// TrainingJob's part of the operator. <c>moe render</c> prints the headless Service and one pod per rank; without a
/// cluster there are no nodes to plan on, so rank r is pinned to a placeholder planned-node-(r / ranksPerNode) (the controller puts
/// the placement planner's choices there), and a 3FS location is shown with a cluster's default FUSE mount. The
/// controller is <see cref="TrainingJobController"/>.
/// </summary>
internal sealed class TrainingJobModule : IKindModule
{
    public string Kind => TrainingJob.KindName;

    public IReadOnlyList<JsonObject> Render(JsonObject resource, OperatorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var spec = resource["spec"].Deserialize<TrainingJobSpec>(ApiJson.Options)!;
        var external = TrainingJobBuilder.UsesExternalScheduler(spec);
        var data = TrainingStorage.Data(spec.Data, null);
        var checkpoints = TrainingStorage.Checkpoints(spec.Checkpoint, null);
        return
        [
            .. external ? [TrainingJobBuilder.PodGroup(resource, spec)] : Array.Empty<JsonObject>(),
            TrainingJobBuilder.HeadlessService(resource),
            .. WorkerAccess.Objects(resource, TrainingJob.KindName, TrainingJobNames.JobLabel, [.. Enumerable.Range(0, TrainingJobBuilder.WorldSize(spec)).Select(rank => TrainingJobNames.Pod((string)resource["metadata"]!["name"]!, rank))]).Select(o => o.Object),
            .. Enumerable.Range(0, TrainingJobBuilder.WorldSize(spec)).Select(rank => TrainingJobBuilder.Pod(resource, spec, rank, external ? null : $"planned-node-{(rank / spec.RanksPerNode).ToString(CultureInfo.InvariantCulture)}", 0, data, checkpoints)),
        ];
    }

    public ControllerRegistration? Controller(OperatorSettings settings) => TrainingJobController.Registration(ledger: settings.Ledger);
}
