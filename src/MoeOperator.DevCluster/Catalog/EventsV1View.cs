using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Catalog;

/// <summary>
/// events.k8s.io/v1 Events over the core v1 Event store, with the field mapping of Kubernetes' own conversion:
/// regarding is involvedObject, note is message, reportingController is reportingComponent, and the deprecated*
/// fields are source, firstTimestamp, lastTimestamp and count.
/// </summary>
public sealed class EventsV1View : IStorageView
{
    public static EventsV1View Instance { get; } = new();

    // (events.k8s.io/v1 name, core v1 name); the fields not listed have the same name in both.
    private static readonly (string View, string Stored)[] _renamed =
    [
        ("regarding", "involvedObject"),
        ("note", "message"),
        ("reportingController", "reportingComponent"),
        ("deprecatedSource", "source"),
        ("deprecatedFirstTimestamp", "firstTimestamp"),
        ("deprecatedLastTimestamp", "lastTimestamp"),
        ("deprecatedCount", "count"),
    ];

    private static readonly string[] _same = ["metadata", "reason", "type", "eventTime", "series", "action", "related", "reportingInstance"];

    public string StoredAs => "events";

    public JsonObject ToStored(JsonObject viewed)
    {
        ArgumentNullException.ThrowIfNull(viewed);
        var stored = Copy(viewed, _renamed.Select(r => (r.View, r.Stored)));
        (stored["apiVersion"], stored["kind"]) = ("v1", "Event");
        return stored;
    }

    public JsonObject FromStored(JsonObject stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var viewed = Copy(stored, _renamed.Select(r => (r.Stored, r.View)));
        (viewed["apiVersion"], viewed["kind"]) = ("events.k8s.io/v1", "Event");
        return viewed;
    }

    private static JsonObject Copy(JsonObject from, IEnumerable<(string From, string To)> renamed)
    {
        var to = new JsonObject();
        foreach (var name in _same)
        {
            if (from[name] is { } value)
            {
                to[name] = value.DeepClone();
            }
        }

        foreach (var (source, target) in renamed)
        {
            if (from[source] is { } value)
            {
                to[target] = value.DeepClone();
            }
        }

        return to;
    }
}
