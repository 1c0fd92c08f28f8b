using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Tests.Integration;

/// <summary>Small objects tests create.</summary>
internal static class Objects
{
    public static JsonObject ConfigMap(string name, Dictionary<string, string>? labels = null, JsonObject? metadataExtra = null)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (labels is not null)
        {
            metadata["labels"] = new JsonObject([.. labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))]);
        }

        foreach (var (key, value) in metadataExtra ?? [])
        {
            metadata[key] = value?.DeepClone();
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = metadata, ["data"] = new JsonObject { ["k"] = "v" } };
    }

    public static JsonObject OwnedBy(JsonObject owner) => new()
    {
        ["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = (string?)owner["apiVersion"],
            ["kind"] = (string?)owner["kind"],
            ["name"] = (string?)owner["metadata"]!["name"],
            ["uid"] = (string?)owner["metadata"]!["uid"],
        }),
    };

    public static JsonObject EPGroup(string name, int ranks = 4) => new()
    {
        ["apiVersion"] = "moe.dev/v1alpha1",
        ["kind"] = "EPGroup",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["ranks"] = ranks,
            ["ranksPerNode"] = 2,
            ["image"] = "worker",
            ["model"] = new JsonObject { ["hiddenSize"] = 256, ["experts"] = 16, ["expertGroups"] = 4, ["topkGroups"] = 2, ["topk"] = 4 },
        },
    };
}
