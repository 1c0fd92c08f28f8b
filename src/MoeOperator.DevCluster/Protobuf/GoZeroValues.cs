using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Protobuf;

/// <summary>
/// The zeros Go's JSON encoding leaves out of a built-in object: a 0 in a plain omitempty number, a false in a plain
/// omitempty bool (pointers and required numbers keep theirs), as <see cref="MessageDescriptions"/> marks them.
/// Kubernetes controllers write Go structs, so the status they write never shows such a zero; the dev cluster's
/// controllers build JSON and pass their status through here, so it reads as the real ones' would (a DaemonSet
/// with every pod ready has no <c>numberUnavailable</c>).
/// </summary>
public static class GoZeroValues
{
    /// <summary>Removes those zeros from <paramref name="status"/>, the status of <paramref name="obj"/>'s kind; kinds not described are left alone.</summary>
    public static JsonObject OmitFromStatus(JsonObject obj, JsonObject status)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(status);
        var message = MessageDescriptions.MessageOf((string?)obj["apiVersion"], (string?)obj["kind"]);
        if (message is not null && MessageSchema.Described[message].Values.FirstOrDefault(f => f.Name == "status") is { } field)
        {
            Omit(status, field.Type);
        }

        return status;
    }

    private static void Omit(JsonObject obj, string message)
    {
        var fields = MessageSchema.Described[message].Values.ToDictionary(f => f.Name, StringComparer.Ordinal);
        foreach (var (name, value) in obj.ToList())
        {
            if (!fields.TryGetValue(name, out var field) || value is null)
            {
                continue;
            }

            if (field.Type is "int32" or "int64" && value.GetValueKind() == System.Text.Json.JsonValueKind.Number && value.ToJsonString() == "0")
            {
                obj.Remove(name);
            }
            else if (field.Type == "bool" && value.GetValueKind() == System.Text.Json.JsonValueKind.False)
            {
                obj.Remove(name);
            }
            else if (MessageSchema.Described.ContainsKey(field.Type))
            {
                foreach (var nested in field.Repeated && value is JsonArray items ? items.OfType<JsonObject>() : value is JsonObject single ? [single] : [])
                {
                    Omit(nested, field.Type);
                }
            }
        }
    }
}
