using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MoeOperator.Tests.Observability;

/// <summary>
/// What the Prometheus Operator makes of the chart's worker PodMonitor, as file_sd targets: the pods its selector
/// matches, at their port of the endpoint's name, labelled by its relabelings. (Debian's Prometheus is built without
/// Kubernetes discovery, so the test discovers the pods and Prometheus reads them from a file.) A relabeling this
/// translation does not know fails the test rather than being dropped.
/// </summary>
internal sealed partial class PodMonitorTargets(JsonObject podMonitor)
{
    private readonly JsonObject _spec = podMonitor["spec"]!.AsObject();

    private JsonObject Endpoint => _spec["podMetricsEndpoints"]!.AsArray().Single()!.AsObject();

    /// <summary>The file_sd groups for the pods given (every pod of the cluster): one per selected, running pod.</summary>
    public JsonArray Groups(IEnumerable<JsonObject> pods) =>
        [.. pods.Where(Selected).Select(Group).OfType<JsonObject>()];

    /// <summary>Writes the groups to <paramref name="file"/> in one step, so Prometheus never reads half of it.</summary>
    public void Write(string file, IEnumerable<JsonObject> pods)
    {
        var next = file + ".next";
        File.WriteAllText(next, Groups(pods).ToJsonString());
        File.Move(next, file, overwrite: true);
    }

    private bool Selected(JsonObject pod)
    {
        var labels = pod["metadata"]?["labels"]?.AsObject() ?? [];
        var selector = _spec["selector"]!;
        var matchLabels = selector["matchLabels"]?.AsObject() ?? [];
        if (matchLabels.Any(l => (string?)labels[l.Key] != (string?)l.Value))
        {
            return false;
        }

        foreach (var expression in selector["matchExpressions"]?.AsArray() ?? [])
        {
            var key = (string)expression!["key"]!;
            var matches = (string?)expression["operator"] switch
            {
                "Exists" => labels.ContainsKey(key),
                "DoesNotExist" => !labels.ContainsKey(key),
                "In" => expression["values"]!.AsArray().Any(v => (string?)v == (string?)labels[key]),
                "NotIn" => expression["values"]!.AsArray().All(v => (string?)v != (string?)labels[key]),
                var other => throw new NotSupportedException($"selector operator {other}"),
            };
            if (!matches)
            {
                return false;
            }
        }

        return true;
    }

    private JsonObject? Group(JsonObject pod)
    {
        if ((string?)pod["status"]?["phase"] != "Running" || (string?)pod["status"]?["podIP"] is not { Length: > 0 } ip)
        {
            return null;
        }

        var portName = (string)Endpoint["port"]!;
        var port = pod["spec"]!["containers"]!.AsArray()
            .SelectMany(c => c!["ports"]?.AsArray() ?? [])
            .FirstOrDefault(p => (string?)p!["name"] == portName);
        if (port is null)
        {
            return null;
        }

        var labels = new JsonObject { ["__metrics_path__"] = (string?)Endpoint["path"] ?? "/metrics" };
        foreach (var relabeling in Endpoint["relabelings"]?.AsArray() ?? [])
        {
            var sources = relabeling!["sourceLabels"]!.AsArray().Select(s => (string)s!).ToList();
            if (sources.Count != 1 || (string?)relabeling["action"] is not (null or "replace") || relabeling["regex"] is not null)
            {
                throw new NotSupportedException($"relabeling {relabeling.ToJsonString()}");
            }

            labels[(string)relabeling["targetLabel"]!] = Meta(pod, sources[0]);
        }

        return new JsonObject
        {
            ["targets"] = new JsonArray($"{ip}:{((int)port["containerPort"]!).ToString(CultureInfo.InvariantCulture)}"),
            ["labels"] = labels,
        };
    }

    // The __meta_kubernetes_* labels of Prometheus' pod discovery that the PodMonitor reads.
    private static string Meta(JsonObject pod, string name)
    {
        const string podLabel = "__meta_kubernetes_pod_label_";
        if (name.StartsWith(podLabel, StringComparison.Ordinal))
        {
            // Discovery names a label by its key with every character outside [a-zA-Z0-9_] replaced by '_'.
            var wanted = name[podLabel.Length..];
            return (pod["metadata"]?["labels"]?.AsObject() ?? [])
                .Where(l => NotInLabelName().Replace(l.Key, "_") == wanted)
                .Select(l => (string?)l.Value)
                .FirstOrDefault() ?? "";
        }

        return name switch
        {
            "__meta_kubernetes_namespace" => (string)pod["metadata"]!["namespace"]!,
            "__meta_kubernetes_pod_name" => (string)pod["metadata"]!["name"]!,
            "__meta_kubernetes_pod_node_name" => (string?)pod["spec"]?["nodeName"] ?? "",
            _ => throw new NotSupportedException($"discovery label {name}"),
        };
    }

    [GeneratedRegex("[^a-zA-Z0-9_]")]
    private static partial Regex NotInLabelName();
}
