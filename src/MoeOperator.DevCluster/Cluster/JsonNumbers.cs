using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster;

/// <summary>Reads a JSON number whether the node was parsed from text or built from a CLR int or long.</summary>
internal static class JsonNumbers
{
    public static long? Long(JsonNode? node) => node is JsonValue value
        ? value.TryGetValue<long>(out var l) ? l
        : value.TryGetValue<int>(out var i) ? i
        : value.TryGetValue<double>(out var d) ? (long)d
        : null
        : null;
}
