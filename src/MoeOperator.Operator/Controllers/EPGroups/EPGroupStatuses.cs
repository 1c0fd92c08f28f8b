using System.Text.Json;
using System.Text.Json.Nodes;
using MoeOperator.Api.Serialization;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>An EPGroup's status as the typed model, the only way the operator reads it.</summary>
internal static class EPGroupStatuses
{
    /// <summary>A copy of the group's status (an empty one before the first write).</summary>
    public static EPGroupStatus Of(JsonObject group) =>
        group?["status"]?.Deserialize<EPGroupStatus>(ApiJson.Options) ?? new EPGroupStatus();

    /// <summary>The JSON the status subresource stores.</summary>
    public static JsonObject ToJson(EPGroupStatus status) => JsonSerializer.SerializeToNode(status, ApiJson.Options)!.AsObject();
}
