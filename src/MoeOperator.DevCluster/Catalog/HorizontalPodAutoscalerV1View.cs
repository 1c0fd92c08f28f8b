using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Catalog;

/// <summary>
/// autoscaling/v1 HorizontalPodAutoscalers over the autoscaling/v2 store, converted as Kubernetes converts them:
/// the CPU utilization target is targetCPUUtilizationPercentage (and its reading currentCPUUtilizationPercentage),
/// and what v1 cannot express (other metrics, behavior, conditions) rides in the autoscaling.alpha.kubernetes.io
/// annotations, so an object written through v1 keeps its v2-only fields and reads back the same through v2.
/// </summary>
public sealed class HorizontalPodAutoscalerV1View : IStorageView
{
    public const string MetricsAnnotation = "autoscaling.alpha.kubernetes.io/metrics";
    public const string CurrentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics";
    public const string ConditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions";
    public const string BehaviorAnnotation = "autoscaling.alpha.kubernetes.io/behavior";

    private static readonly string[] _annotations = [MetricsAnnotation, CurrentMetricsAnnotation, ConditionsAnnotation, BehaviorAnnotation];

    public static HorizontalPodAutoscalerV1View Instance { get; } = new();

    public string StoredAs => "horizontalpodautoscalers.autoscaling";

    public JsonObject ToStored(JsonObject viewed)
    {
        ArgumentNullException.ThrowIfNull(viewed);
        var metadata = viewed["metadata"]?.DeepClone().AsObject() ?? [];
        var annotations = metadata["annotations"] as JsonObject;
        var spec = viewed["spec"] as JsonObject ?? [];
        var status = viewed["status"] as JsonObject;

        var metrics = Annotated(annotations, MetricsAnnotation);
        if ((int?)spec["targetCPUUtilizationPercentage"] is { } target)
        {
            metrics.Insert(0, CpuTarget(target));
        }

        var storedSpec = Copy(spec, "scaleTargetRef", "minReplicas", "maxReplicas");
        if (metrics.Count > 0)
        {
            storedSpec["metrics"] = metrics;
        }

        if (Parsed(annotations, BehaviorAnnotation) is { } behavior)
        {
            storedSpec["behavior"] = behavior;
        }

        var stored = new JsonObject { ["apiVersion"] = "autoscaling/v2", ["kind"] = "HorizontalPodAutoscaler", ["metadata"] = metadata, ["spec"] = storedSpec };
        if (status is not null)
        {
            var storedStatus = Copy(status, "observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas");
            var current = Annotated(annotations, CurrentMetricsAnnotation);
            if ((int?)status["currentCPUUtilizationPercentage"] is { } reading)
            {
                current.Insert(0, CpuReading(reading));
            }

            storedStatus["currentMetrics"] = current;
            storedStatus["conditions"] = Annotated(annotations, ConditionsAnnotation);
            stored["status"] = storedStatus;
        }

        foreach (var name in _annotations)
        {
            annotations?.Remove(name);
        }

        if (annotations is { Count: 0 })
        {
            metadata.Remove("annotations");
        }

        return stored;
    }

    public JsonObject FromStored(JsonObject stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var metadata = stored["metadata"]?.DeepClone().AsObject() ?? [];
        var spec = stored["spec"] as JsonObject ?? [];
        var extra = new Dictionary<string, JsonArray>();
        var viewedSpec = Copy(spec, "scaleTargetRef", "minReplicas", "maxReplicas");
        var (cpu, others) = SplitCpu(spec["metrics"] as JsonArray, m => (int?)m["resource"]?["target"]?["averageUtilization"], "Utilization");
        if (cpu is not null)
        {
            viewedSpec["targetCPUUtilizationPercentage"] = cpu;
        }

        extra[MetricsAnnotation] = others;
        var viewed = new JsonObject { ["apiVersion"] = "autoscaling/v1", ["kind"] = "HorizontalPodAutoscaler", ["metadata"] = metadata, ["spec"] = viewedSpec };
        if (stored["status"] is JsonObject status)
        {
            var viewedStatus = Copy(status, "observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas");
            var (reading, otherReadings) = SplitCpu(status["currentMetrics"] as JsonArray, m => (int?)m["resource"]?["current"]?["averageUtilization"], null);
            if (reading is not null)
            {
                viewedStatus["currentCPUUtilizationPercentage"] = reading;
            }

            extra[CurrentMetricsAnnotation] = otherReadings;
            extra[ConditionsAnnotation] = status["conditions"]?.DeepClone().AsArray() ?? [];
            viewed["status"] = viewedStatus;
        }

        var annotations = metadata["annotations"] as JsonObject ?? [];
        foreach (var (name, values) in extra.Where(e => e.Value.Count > 0))
        {
            annotations[name] = values.ToJsonString();
        }

        if (spec["behavior"] is JsonObject behavior)
        {
            annotations[BehaviorAnnotation] = behavior.ToJsonString();
        }

        if (annotations.Count > 0)
        {
            metadata["annotations"] = annotations;
        }

        return viewed;
    }

    private static JsonObject CpuTarget(int percent) => new()
    {
        ["type"] = "Resource",
        ["resource"] = new JsonObject { ["name"] = "cpu", ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = percent } },
    };

    private static JsonObject CpuReading(int percent) => new()
    {
        ["type"] = "Resource",
        ["resource"] = new JsonObject { ["name"] = "cpu", ["current"] = new JsonObject { ["averageUtilization"] = percent } },
    };

    // The first CPU utilization metric (v1's one field), and the rest.
    private static (int? Cpu, JsonArray Others) SplitCpu(JsonArray? metrics, Func<JsonNode, int?> utilization, string? targetType)
    {
        int? cpu = null;
        var others = new JsonArray();
        foreach (var metric in metrics ?? [])
        {
            var isCpu = (string?)metric?["type"] == "Resource" && (string?)metric["resource"]?["name"] == "cpu"
                && (targetType is null || (string?)metric["resource"]?["target"]?["type"] == targetType) && utilization(metric) is not null;
            if (isCpu && cpu is null)
            {
                cpu = utilization(metric!);
            }
            else if (metric is not null)
            {
                others.Add(metric.DeepClone());
            }
        }

        return (cpu, others);
    }

    private static JsonArray Annotated(JsonObject? annotations, string name) =>
        Parsed(annotations, name) as JsonArray ?? [];

    private static JsonNode? Parsed(JsonObject? annotations, string name)
    {
        if ((string?)annotations?[name] is not { Length: > 0 } text)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw Semantics.ApiException.BadRequest($"metadata.annotations[{name}]: not valid JSON ({e.Message}); it carries autoscaling/v2 fields and must be the JSON the server wrote");
        }
    }

    private static JsonObject Copy(JsonObject from, params string[] names)
    {
        var to = new JsonObject();
        foreach (var name in names)
        {
            if (from[name] is { } value)
            {
                to[name] = value.DeepClone();
            }
        }

        return to;
    }
}
