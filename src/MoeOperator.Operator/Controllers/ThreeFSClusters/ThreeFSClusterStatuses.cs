using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>A ThreeFSCluster's status as the typed model, the only way the operator reads it.</summary>
internal static class ThreeFSClusterStatuses
{
    /// <summary>A copy of the cluster's status (an empty one before the first write).</summary>
    public static ThreeFSClusterStatus Of(JsonObject cluster) =>
        cluster?["status"]?.Deserialize<ThreeFSClusterStatus>(ApiJson.Options) ?? new ThreeFSClusterStatus();

    /// <summary>The JSON the status subresource stores.</summary>
    public static JsonObject ToJson(ThreeFSClusterStatus status) => JsonSerializer.SerializeToNode(status, ApiJson.Options)!.AsObject();
}
