using System.Text.Json.Nodes;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>The expert map as published in its ConfigMap: version, the slot of each expert replica, replica counts.</summary>
internal sealed record ExpertMapDocument(long Version, int[] PhysicalToLogical, int[] ReplicaCounts)
{
    /// <summary>Reads the map from its ConfigMap, or null when it is missing or unreadable.</summary>
    public static ExpertMapDocument? From(JsonObject? configMap)
    {
        if ((string?)configMap?["data"]?[ExpertMapBuilder.DataKey] is not { } text)
        {
            return null;
        }

        var document = JsonNode.Parse(text);
        var slots = document?["phy2log"]?.AsArray().Select(v => (int)v!).ToArray();
        var counts = document?["logcnt"]?.AsArray().Select(v => (int)v!).ToArray();
        return document?["version"] is { } version && slots is not null && counts is not null
            ? new ExpertMapDocument((long)version, slots, counts)
            : null;
    }
}
