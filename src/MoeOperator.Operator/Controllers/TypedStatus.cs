using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Serialization;

namespace MoeOperator.Controllers;

/// <summary>A custom resource's status as its typed model (EPGroupStatus, ThreeFSClusterStatus), the only way the operator reads it.</summary>
internal static class TypedStatus
{
    /// <summary>A copy of the resource's status (an empty one before the first write).</summary>
    public static TStatus Of<TStatus>(JsonObject resource)
        where TStatus : new() =>
        resource?["status"] is { } status ? status.Deserialize<TStatus>(ApiJson.Options) ?? new TStatus() : new TStatus();

    /// <summary>The JSON the status subresource stores.</summary>
    public static JsonObject ToJson<TStatus>(TStatus status) => JsonSerializer.SerializeToNode(status, ApiJson.Options)!.AsObject();
}
