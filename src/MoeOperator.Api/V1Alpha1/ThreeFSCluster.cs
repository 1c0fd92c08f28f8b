using k8s.Models;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>A Fire-Flyer File System cluster: FoundationDB, mgmtd, meta, storage targets and FUSE clients.</summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = "threefsclusters")]
public sealed class ThreeFSCluster : CustomResource<ThreeFSClusterSpec, ThreeFSClusterStatus>
{
    /// <summary>The kind name.</summary>
    public const string KindName = "ThreeFSCluster";

    /// <inheritdoc />
    public override string Kind { get; set; } = KindName;
}
