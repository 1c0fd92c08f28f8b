using k8s.Models;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>An MoE training job with DualPipe pipeline, expert and data parallelism, restarted from its last checkpoint after failures.</summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = "trainingjobs")]
public sealed class TrainingJob : CustomResource<TrainingJobSpec, TrainingJobStatus>
{
    /// <summary>The kind name.</summary>
    public const string KindName = "TrainingJob";

    /// <inheritdoc />
    public override string Kind { get; set; } = KindName;
}
