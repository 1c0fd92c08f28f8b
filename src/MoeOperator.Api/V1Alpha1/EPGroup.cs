using k8s.Models;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>A gang of GPU pods forming one expert-parallel group, placed by topology and kept balanced by EPLB.</summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = "epgroups")]
public sealed class EPGroup : CustomResource<EPGroupSpec, EPGroupStatus>
{
    /// <summary>The kind name.</summary>
    public const string KindName = "EPGroup";

    /// <inheritdoc />
    public override string Kind { get; set; } = KindName;
}
