using System.Text.Json.Nodes;

namespace MoeOperator.Runtime.Client;

/// <summary>
/// Adding and removing a finalizer with JSON patches that first test the object's resourceVersion and the
/// list entry, so two writers never drop each other's finalizers: a stale view gets 409/422 and requeues.
/// </summary>
public static class Finalizers
{
    /// <summary>Whether the object carries the finalizer.</summary>
    public static bool Has(JsonObject obj, string finalizer) =>
        obj?["metadata"]?["finalizers"]?.AsArray().Any(f => (string?)f == finalizer) == true;

    /// <summary>The JSON patch that adds <paramref name="finalizer"/>, or null when it is already there.</summary>
    public static JsonArray? AddPatch(JsonObject obj, string finalizer)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (Has(obj, finalizer))
        {
            return null;
        }

        var add = obj["metadata"]?["finalizers"] is JsonArray
            ? new JsonObject { ["op"] = "add", ["path"] = "/metadata/finalizers/-", ["value"] = finalizer }
            : new JsonObject { ["op"] = "add", ["path"] = "/metadata/finalizers", ["value"] = new JsonArray(finalizer) };
        return new JsonArray(TestResourceVersion(obj), add);
    }

    /// <summary>The JSON patch that removes <paramref name="finalizer"/>, or null when it is not there.</summary>
    public static JsonArray? RemovePatch(JsonObject obj, string finalizer)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var list = obj["metadata"]?["finalizers"]?.AsArray();
        var index = list?.Select((f, i) => ((string?)f, i)).FirstOrDefault(p => p.Item1 == finalizer, (null, -1)).i ?? -1;
        if (index < 0)
        {
            return null;
        }

        return new JsonArray(
            TestResourceVersion(obj),
            new JsonObject { ["op"] = "test", ["path"] = $"/metadata/finalizers/{index}", ["value"] = finalizer },
            new JsonObject { ["op"] = "remove", ["path"] = $"/metadata/finalizers/{index}" });
    }

    private static JsonObject TestResourceVersion(JsonObject obj) => new()
    {
        ["op"] = "test",
        ["path"] = "/metadata/resourceVersion",
        ["value"] = (string?)obj["metadata"]?["resourceVersion"],
    };
}
