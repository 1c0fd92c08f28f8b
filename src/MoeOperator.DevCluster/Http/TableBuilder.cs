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

    private static List<TableColumn> Columns(ResourceType type, DateTimeOffset now)
    {
        var name = new TableColumn("Name", "string", "Name must be unique within a namespace.", 0, o => (string?)o["metadata"]?["name"]);
        var age = new TableColumn("Age", "date", "CreationTimestamp is the time the object was created.", 0, o => HumanDuration.Since((string?)o["metadata"]?["creationTimestamp"], now));
        if (type.IsCustom)
        {
            return type.PrinterColumns.Count == 0
                ? [name, age]
                : [name, .. type.PrinterColumns.Select(c => new TableColumn(c.Name, c.Type, c.Description ?? "", c.Priority ?? 0, o => Cell(c.Type, JsonPathLite.Read(o, c.JsonPath), now)))];
        }

        return type.GroupResource switch
        {
            "events" => EventColumns(name, now, "involvedObject", "message", "count", "lastTimestamp", "firstTimestamp"),
            "events.events.k8s.io" => EventColumns(name, now, "regarding", "note", "deprecatedCount", "deprecatedLastTimestamp", "deprecatedFirstTimestamp"),
            _ => BuiltinTableColumns.For(type.GroupResource, name, age, now) ?? [name, age],
        };
    }

    // The server renders date columns as ages, as the real CRD table converter does.
    private static JsonNode? Cell(string type, JsonNode? value, DateTimeOffset now) =>
        type == "date" && value is not null ? HumanDuration.Since((string?)value, now) : value;

    // The real server's event columns (kubectl get events: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE), over the field
    // names of the version read.
    private static List<TableColumn> EventColumns(TableColumn name, DateTimeOffset now, string regarding, string note, string count, string last, string first)
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
