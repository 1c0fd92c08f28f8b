using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Protobuf;

/// <summary>
/// Encodes response objects as Kubernetes protobuf for clients that ask for it first (kubectl create sends
/// <c>Accept: application/vnd.kubernetes.protobuf,application/json</c>): the "k8s\0" envelope around runtime.Unknown
/// holding the type and the object's message, written from the same descriptions the request decoder reads. An
/// object with a field the descriptions lack is not encoded (the caller answers JSON, or 406 when JSON is not
/// acceptable), so nothing is dropped on the way.
/// </summary>
public static class ProtobufResponses
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";
    private static readonly byte[] _magic = "k8s\0"u8.ToArray();
    private static readonly string[] _typeMeta = ["apiVersion", "kind"];

    /// <summary>The object in the envelope, or null with the reason when some field of it is not described.</summary>
    public static byte[]? TryEncode(JsonObject obj, out string? unsupported)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var apiVersion = (string?)obj["apiVersion"];
        var kind = (string?)obj["kind"];
        var isList = kind?.EndsWith("List", StringComparison.Ordinal) == true;
        var message = MessageDescriptions.MessageOf(apiVersion, isList ? kind![..^4] : kind);
        if (message is null)
        {
            unsupported = $"kind {kind ?? "(none)"} has no protobuf description";
            return null;
        }

        try
        {
            var raw = isList ? List(obj, message) : Message(obj, message, _typeMeta);
            var unknown = new WireWriter()
                .Message(1, typeMeta => typeMeta.String(1, apiVersion).String(2, kind))
                .Raw(2, raw)
                .ToArray();
            unsupported = null;
            return [.. _magic, .. unknown];
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or FormatException)
        {
            unsupported = e.Message;
            return null;
        }
    }

    // Every list kind is the same message: metadata (ListMeta) 1, items 2.
    private static byte[] List(JsonObject list, string itemMessage)
    {
        var writer = new WireWriter();
        writer.Raw(1, Message(list["metadata"] as JsonObject ?? [], "ListMeta", []));
        foreach (var item in list["items"]?.AsArray() ?? [])
        {
            writer.Raw(2, Message(item as JsonObject ?? throw new NotSupportedException("a list item is not an object"), itemMessage, _typeMeta));
        }

        if (list.Select(p => p.Key).FirstOrDefault(k => k is not ("apiVersion" or "kind" or "metadata" or "items")) is { } extra)
        {
            throw new NotSupportedException($"the list's {extra} has no protobuf description");
        }

        return writer.ToArray();
    }

    private static byte[] Message(JsonObject obj, string name, IReadOnlyCollection<string> ignored)
    {
        var writer = new WireWriter();
        var consumed = new HashSet<string>(ignored, StringComparer.Ordinal);
        Write(writer, obj, name, consumed);
        // A null is what Go writes for a nil pointer or a zero time: nothing to encode, described or not.
        if (obj.Where(p => p.Value is not null).Select(p => p.Key).FirstOrDefault(k => !consumed.Contains(k)) is { } extra)
        {
            throw new NotSupportedException($"{name}.{extra} has no protobuf description");
        }

        return writer.ToArray();
    }

    // Writes obj's fields as message `name`; an inlined field's message takes its fields from obj itself.
    private static void Write(WireWriter writer, JsonObject obj, string name, HashSet<string> consumed)
    {
        foreach (var (number, field) in MessageSchema.Described[name].OrderBy(f => f.Key))
        {
            if (field.Inline)
            {
                var inner = new WireWriter();
                Write(inner, obj, field.Type, consumed);
                writer.Raw(number, inner.ToArray());
                continue;
            }

            if (!obj.TryGetPropertyValue(field.Name, out var value) || value is null)
            {
                continue;
            }

            consumed.Add(field.Name);
            if (field.Type is "map" or "bytesmap" or "quantitymap")
            {
                foreach (var (key, entry) in value.AsObject())
                {
                    var pair = new WireWriter().String(1, key);
                    WriteValue(pair, 2, field.Type switch { "bytesmap" => "bytes", "quantitymap" => "Quantity", _ => "string" }, entry, $"{name}.{field.Name}");
                    writer.Raw(number, pair.ToArray());
                }
            }
            else if (field.Repeated)
            {
                foreach (var item in value.AsArray())
                {
                    WriteValue(writer, number, field.Type, item, $"{name}.{field.Name}");
                }
            }
            else
            {
                WriteValue(writer, number, field.Type, value, $"{name}.{field.Name}");
            }
        }
    }

    private static void WriteValue(WireWriter writer, int number, string type, JsonNode? value, string path)
    {
        switch (type)
        {
            case "string":
                writer.Raw(number, Encoding.UTF8.GetBytes((string?)value ?? ""));
                break;
            case "bytes":
                writer.Raw(number, Convert.FromBase64String((string?)value ?? ""));
                break;
            case "int32" or "int64" or "int32?" or "int64?" or "int32!" or "int64!":
                writer.Number(number, Integer(value!));
                break;
            case "bool" or "bool?":
                writer.Number(number, value!.GetValue<bool>() ? 1 : 0);
                break;
            case "Time":
                var time = DateTimeOffset.Parse((string)value!, CultureInfo.InvariantCulture);
                writer.Message(number, t => t.Number(1, time.ToUnixTimeSeconds()));
                break;
            case "Quantity":
                writer.Message(number, q => q.String(1, value!.ToString()));
                break;
            case "IntOrString":
                writer.Message(number, v =>
                {
                    if (value!.GetValueKind() == System.Text.Json.JsonValueKind.Number)
                    {
                        v.Number(1, 0).Number(2, Integer(value));
                    }
                    else
                    {
                        v.Number(1, 1).String(3, (string?)value);
                    }
                });
                break;
            case "RawJSON":
                writer.Message(number, r => r.Raw(1, Encoding.UTF8.GetBytes(value!.ToJsonString())));
                break;
            default:
                if (value is not JsonObject nested)
                {
                    throw new NotSupportedException($"{path} is not an object");
                }

                writer.Raw(number, Message(nested, type, []));
                break;
        }
    }

    // A JSON number built in code holds an int, one parsed from a body a JsonElement; both print the same.
    private static long Integer(JsonNode value) => long.Parse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
