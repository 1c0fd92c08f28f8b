using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Catalog;

namespace MoeOperator.DevCluster.Http;

/// <summary>
/// The meta.k8s.io/v1 Table that kubectl get asks for: CRD printer columns for custom resources, the usual
/// columns for the built-in kinds kubectl users look at, Name and Age for the rest.
/// </summary>
internal static class TableBuilder
{
    private sealed record Column(string Name, string Type, string Description, int Priority, Func<JsonObject, JsonNode?> Cell);

    public static JsonObject Build(ResourceType type, IEnumerable<JsonObject> objects, string? resourceVersion, bool includeObject, DateTimeOffset now)
    {
        var columns = Columns(type, now);
        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            rows.Add(new JsonObject
            {
                ["cells"] = new JsonArray([.. columns.Select(c => c.Cell(obj)?.DeepClone())]),
                ["object"] = includeObject ? obj.DeepClone() : PartialMetadata(obj),
            });
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
            ["columnDefinitions"] = new JsonArray([.. columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Name == "Name" ? "name" : "",
                ["description"] = c.Description,
                ["priority"] = c.Priority,
            })]),
            ["rows"] = rows,
        };
    }

    private static JsonObject PartialMetadata(JsonObject obj) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = obj["metadata"]?.DeepClone(),
    };

    private static List<Column> Columns(ResourceType type, DateTimeOffset now)
    {
        var name = new Column("Name", "string", "Name must be unique within a namespace.", 0, o => (string?)o["metadata"]?["name"]);
        var age = new Column("Age", "date", "CreationTimestamp is the time the object was created.", 0, o => HumanDuration.Since((string?)o["metadata"]?["creationTimestamp"], now));
        if (type.IsCustom)
        {
            return type.PrinterColumns.Count == 0
                ? [name, age]
                : [name, .. type.PrinterColumns.Select(c => new Column(c.Name, c.Type, c.Description ?? "", c.Priority ?? 0, o => Cell(c.Type, JsonPathLite.Read(o, c.JsonPath), now)))];
        }

        return type.GroupResource switch
        {
            "pods" =>
            [
                name,
                new("Ready", "string", "Ready containers.", 0, PodReady),
                new("Status", "string", "The pod's phase or reason.", 0, o => (string?)o["status"]?["reason"] ?? (string?)o["status"]?["phase"]),
                new("Restarts", "string", "Container restarts.", 0, o => (o["status"]?["containerStatuses"]?.AsArray().Sum(c => (int?)c?["restartCount"] ?? 0) ?? 0).ToString(CultureInfo.InvariantCulture)),
                age,
                new("IP", "string", "Pod IP.", 1, o => (string?)o["status"]?["podIP"]),
                new("Node", "string", "Node the pod is bound to.", 1, o => (string?)o["spec"]?["nodeName"]),
            ],
            "nodes" =>
            [
                name,
                new("Status", "string", "Node readiness.", 0, o => o["status"]?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True") == true ? "Ready" : "NotReady"),
                age,
            ],
            "namespaces" => [name, new("Status", "string", "Namespace phase.", 0, o => (string?)o["status"]?["phase"]), age],
            "deployments.apps" or "statefulsets.apps" or "replicasets.apps" =>
            [
                name,
                new("Ready", "string", "Ready replicas of desired.", 0, o => $"{(int?)o["status"]?["readyReplicas"] ?? 0}/{(int?)o["spec"]?["replicas"] ?? 1}"),
                age,
            ],
            "jobs.batch" =>
            [
                name,
                new("Completions", "string", "Succeeded of desired completions.", 0, o => $"{(int?)o["status"]?["succeeded"] ?? 0}/{(int?)o["spec"]?["completions"] ?? 1}"),
                age,
            ],
            "services" =>
            [
                name,
                new("Type", "string", "Service type.", 0, o => (string?)o["spec"]?["type"] ?? "ClusterIP"),
                new("Cluster-IP", "string", "Cluster IP.", 0, o => (string?)o["spec"]?["clusterIP"] ?? "None"),
                age,
            ],
            "events" => EventColumns(name, now, "involvedObject", "message", "count", "lastTimestamp", "firstTimestamp"),
            "events.events.k8s.io" => EventColumns(name, now, "regarding", "note", "deprecatedCount", "deprecatedLastTimestamp", "deprecatedFirstTimestamp"),
            _ => [name, age],
        };
    }

    // The server renders date columns as ages, as the real CRD table converter does.
    private static JsonNode? Cell(string type, JsonNode? value, DateTimeOffset now) =>
        type == "date" && value is not null ? HumanDuration.Since((string?)value, now) : value;

    private static JsonNode PodReady(JsonObject pod)
    {
        var statuses = pod["status"]?["containerStatuses"]?.AsArray();
        var total = pod["spec"]?["containers"]?.AsArray().Count ?? 0;
        var ready = statuses?.Count(s => (bool?)s?["ready"] == true) ?? 0;
        return $"{ready}/{total}";
    }

    // The real server's event columns (kubectl get events: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE), over the field
    // names of the version read.
    private static List<Column> EventColumns(Column name, DateTimeOffset now, string regarding, string note, string count, string last, string first)
    {
        string? Seen(JsonObject o, string field) => (string?)o[field] ?? (string?)o["series"]?["lastObservedTime"] ?? (string?)o["eventTime"] ?? (string?)o["metadata"]?["creationTimestamp"];
        return
        [
            new("Last Seen", "string", "The last time the event was seen.", 0, o => HumanDuration.Since(Seen(o, last), now)),
            new("Type", "string", "Normal or Warning.", 0, o => (string?)o["type"]),
            new("Reason", "string", "Why the event was emitted.", 0, o => (string?)o["reason"]),
            new("Object", "string", "The object the event is about.", 0, o => $"{((string?)o[regarding]?["kind"])?.ToLowerInvariant()}/{(string?)o[regarding]?["name"]}"),
            new("Message", "string", "A human-readable description.", 0, o => (string?)o[note]),
            new("First Seen", "string", "The first time the event was seen.", 1, o => HumanDuration.Since(Seen(o, first), now)),
            new("Count", "string", "How many times it was seen.", 1, o => ((int?)o[count] ?? (int?)o["series"]?["count"] ?? 1).ToString(CultureInfo.InvariantCulture)),
            name,
        ];
    }
}
