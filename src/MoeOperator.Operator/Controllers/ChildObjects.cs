using System.Text.Json.Nodes;
using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Controllers;

/// <summary>Pieces every kind's builders share: child metadata with the owner's controller reference, and core/v1 parts from API types.</summary>
internal static class ChildObjects
{
    public const string ManagedBy = "app.kubernetes.io/managed-by";
    public const string Operator = "moe-operator";

    /// <summary>
    /// Metadata of a child: name, namespace, the managed-by label and <paramref name="ownerLabel"/>=owner name, and
    /// a controller reference (garbage collection takes the child with its owner).
    /// </summary>
    public static JsonObject Metadata(JsonObject owner, string kind, string ownerLabel, string name, JsonObject? extraLabels = null)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var ownerName = (string)owner["metadata"]!["name"]!;
        var labels = new JsonObject { [ManagedBy] = Operator, [ownerLabel] = ownerName };
        foreach (var (key, value) in extraLabels ?? [])
        {
            labels[key] = value?.DeepClone();
        }

        return new JsonObject
        {
            ["name"] = name,
            ["namespace"] = (string?)owner["metadata"]!["namespace"] ?? "default",
            ["labels"] = labels,
            ["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = ApiGroup.ApiVersion,
                ["kind"] = kind,
                ["name"] = ownerName,
                ["uid"] = (string?)owner["metadata"]!["uid"] ?? "",
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            }),
        };
    }

    public static JsonObject Toleration(Toleration toleration)
    {
        ArgumentNullException.ThrowIfNull(toleration);
        var result = new JsonObject { ["operator"] = toleration.Operator.ToString() };
        if (toleration.Key is { } key)
        {
            result["key"] = key;
        }

        if (toleration.Value is { } value)
        {
            result["value"] = value;
        }

        if (toleration.Effect is { } effect)
        {
            result["effect"] = effect.ToString();
        }

        if (toleration.TolerationSeconds is { } seconds)
        {
            result["tolerationSeconds"] = seconds;
        }

        return result;
    }

    public static JsonArray Tolerations(IEnumerable<Toleration>? tolerations) => new([.. (tolerations ?? []).Select(t => (JsonNode)Toleration(t))]);

    public static JsonObject Labels(IReadOnlyDictionary<string, string> labels) =>
        new([.. labels.Select(l => new KeyValuePair<string, JsonNode?>(l.Key, l.Value))]);

    /// <summary>Whether a gang's pods go to a scheduler other than the default one, which then gets a PodGroup.</summary>
    public static bool UsesExternalScheduler(SchedulingSpec scheduling)
    {
        ArgumentNullException.ThrowIfNull(scheduling);
        return scheduling.SchedulerName is { Length: > 0 } scheduler && scheduler != "default-scheduler";
    }

    /// <summary>
    /// The PodGroup of the coscheduling plugin (kubernetes-sigs/scheduler-plugins): the scheduler binds none of the
    /// gang's <paramref name="members"/> pods until all of them fit, and gives up after the gang timeout.
    /// </summary>
    public static JsonObject PodGroup(JsonObject metadata, int members, SchedulingSpec scheduling)
    {
        ArgumentNullException.ThrowIfNull(scheduling);
        return new JsonObject
        {
            ["apiVersion"] = "scheduling.x-k8s.io/v1alpha1",
            ["kind"] = "PodGroup",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["minMember"] = members,
                ["scheduleTimeoutSeconds"] = (int)Durations.Parse(scheduling.GangTimeout).TotalSeconds,
            },
        };
    }

    /// <summary>core/v1 ResourceRequirements from the API's, with <paramref name="extraLimits"/> (devices) added to the limits.</summary>
    public static JsonObject Resources(ResourceRequirements? resources, IReadOnlyDictionary<string, string>? extraLimits = null)
    {
        var result = new JsonObject();
        var limits = new JsonObject();
        foreach (var (resource, quantity) in resources?.Limits ?? [])
        {
            limits[resource] = quantity.ToString();
        }

        foreach (var (resource, quantity) in extraLimits ?? new Dictionary<string, string>())
        {
            limits[resource] = quantity;
        }

        if (limits.Count > 0)
        {
            result["limits"] = limits;
        }

        if (resources?.Requests is { Count: > 0 } requests)
        {
            result["requests"] = new JsonObject([.. requests.Select(r => new KeyValuePair<string, JsonNode?>(r.Key, r.Value.ToString()))]);
        }

        return result;
    }

    /// <summary>
    /// Pins a pod to a node the operator chose through required node affinity rather than spec.nodeName, so the
    /// scheduler still checks the node's resources and taints and says why when it cannot run the pod.
    /// </summary>
    public static JsonObject PinnedAffinity(string node) => new()
    {
        ["nodeAffinity"] = new JsonObject
        {
            ["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonObject
            {
                ["nodeSelectorTerms"] = new JsonArray(new JsonObject
                {
                    ["matchFields"] = new JsonArray(new JsonObject { ["key"] = "metadata.name", ["operator"] = "In", ["values"] = new JsonArray(node) }),
                }),
            },
        },
    };
}
