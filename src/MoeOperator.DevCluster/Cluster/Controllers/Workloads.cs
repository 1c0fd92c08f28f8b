using System.Text;
using System.Text.Json.Nodes;
using MoeOperator.Planning.Resources;

namespace MoeOperator.DevCluster.Cluster.Controllers;

/// <summary>What the workload controllers share: controller references, pods from templates, ownership and readiness.</summary>
internal static class Workloads
{
    /// <summary>A controller owner reference to <paramref name="owner"/> (blockOwnerDeletion, as the built-in controllers set it).</summary>
    public static JsonObject ControllerReference(JsonObject owner) => new()
    {
        ["apiVersion"] = (string?)owner["apiVersion"],
        ["kind"] = (string?)owner["kind"],
        ["name"] = (string?)owner["metadata"]?["name"],
        ["uid"] = (string?)owner["metadata"]?["uid"],
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    /// <summary>A pod of <paramref name="owner"/> from its pod template.</summary>
    public static JsonObject PodFromTemplate(JsonObject owner, JsonObject? template, string? name, string? generateName)
    {
        var metadata = template?["metadata"]?.DeepClone().AsObject() ?? [];
        if (name is not null)
        {
            metadata["name"] = name;
        }
        else
        {
            metadata["generateName"] = generateName;
        }

        metadata["namespace"] = (string?)owner["metadata"]?["namespace"];
        metadata["ownerReferences"] = new JsonArray(ControllerReference(owner));
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = template?["spec"]?.DeepClone() ?? new JsonObject(),
        };
    }

    /// <summary>
    /// The objects of the owning kind and, when there are any, every pod (the cache refreshed). With none, the pods
    /// are not looked at and the cache stops following them until there are: at scale ten thousand pods change often.
    /// </summary>
    public static (List<JsonObject> Owners, IReadOnlyCollection<JsonObject> Pods) OwnersAndPods(ClusterApi api, string ownerResource, ResourceCache pods)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(pods);
        var owners = api.List(ownerResource);
        if (owners.Count == 0)
        {
            pods.Pause();
            return (owners, []);
        }

        pods.Refresh();
        return (owners, pods.Items);
    }

    /// <summary>The objects whose controller is <paramref name="owner"/>.</summary>
    public static List<JsonObject> Owned(IEnumerable<JsonObject> objects, JsonObject owner)
    {
        var uid = (string?)owner["metadata"]?["uid"];
        return [.. objects.Where(o => o["metadata"]?["ownerReferences"]?.AsArray().Any(r => (string?)r?["uid"] == uid && (bool?)r?["controller"] == true) == true)];
    }

    /// <summary>A pod that counts: not finished and not being deleted.</summary>
    public static bool IsActive(JsonObject pod) => PodResources.IsActive(pod) && pod["metadata"]?["deletionTimestamp"] is null;

    public static bool IsReady(JsonObject pod) =>
        pod["status"]?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True") == true;

    public static string Phase(JsonObject pod) => (string?)pod["status"]?["phase"] ?? "Pending";

    /// <summary>A short stable hash of a JSON value (pod-template-hash, controller-revision-hash), FNV-1a in base 36.</summary>
    public static string Hash(JsonNode? value)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(value?.ToJsonString() ?? ""))
        {
            hash = (hash ^ b) * 16777619u;
        }

        const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var text = new StringBuilder();
        for (var i = 0; i < 10; i++)
        {
            text.Append(Alphabet[(int)(hash % (uint)Alphabet.Length)]);
            hash /= (uint)Alphabet.Length;
            if (hash == 0)
            {
                hash = 2166136261u ^ (uint)i;
            }
        }

        return text.ToString();
    }

    /// <summary>Writes <paramref name="status"/> when it differs from the object's (so converged objects see no writes).</summary>
    public static void WriteStatus(ClusterApi api, string groupResource, JsonObject obj, JsonObject status)
    {
        Protobuf.GoZeroValues.OmitFromStatus(obj, status);
        if (obj["status"]?.ToJsonString() == status.ToJsonString())
        {
            return;
        }

        obj["status"] = status;
        api.UpdateStatus(groupResource, obj);
    }
}
