using System.Text;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Protobuf;

/// <summary>
/// Decodes the Kubernetes protobuf request bodies typed clients send (kubectl create, run, expose, autoscale and auth
/// can-i; helm's release Secrets): the "k8s\0" envelope around runtime.Unknown, then the object by the messages of
/// <see cref="MessageDescriptions"/>. As the real server's JSON does, fields left at Go's zero value (an empty string,
/// false, a zero time, a 0 in a plain omitempty number) are omitted; a pointer's 0 (replicas: 0) and a required
/// number's are kept.
/// Responses are encoded by <see cref="ProtobufResponses"/>.
/// </summary>
public static class ProtobufBodies
{
    private static readonly byte[] _magic = "k8s\0"u8.ToArray();

    /// <summary>Whether the body starts with the Kubernetes protobuf envelope.</summary>
    public static bool IsEnvelope(ReadOnlySpan<byte> body) => body.StartsWith(_magic);

    /// <summary>The object in a protobuf body as JSON; throws <see cref="NotSupportedException"/> for what it cannot read.</summary>
    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (!IsEnvelope(body))
        {
            throw new FormatException("the body lacks the k8s protobuf envelope");
        }

        string? apiVersion = null, kind = null;
        ReadOnlySpan<byte> raw = default;
        var reader = new WireReader(body[_magic.Length..]);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 1 && wire == 2)
            {
                var typeMeta = new WireReader(reader.ReadBytes());
                while (!typeMeta.AtEnd)
                {
                    var (f, w) = typeMeta.ReadTag();
                    if (w != 2)
                    {
                        typeMeta.Skip(w);
                        continue;
                    }

                    var text = Encoding.UTF8.GetString(typeMeta.ReadBytes());
                    (apiVersion, kind) = f == 1 ? (text, kind) : (apiVersion, text);
                }
            }
            else if (field == 2 && wire == 2)
            {
                raw = reader.ReadBytes();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        var message = MessageDescriptions.MessageOf(apiVersion, kind);
        if (message is null)
        {
            throw new NotSupportedException($"protobuf bodies of kind {kind ?? "(none)"} are not supported; send JSON");
        }

        var obj = Message(raw, message);
        obj["apiVersion"] = apiVersion;
        obj["kind"] = kind;
        return obj;
    }

    private static JsonObject Message(ReadOnlySpan<byte> bytes, string name)
    {
        var obj = new JsonObject();
        Read(bytes, name, obj);
        return obj;
    }

    // Reads a message's fields into obj (an inlined message writes into its parent's object).
    private static void Read(ReadOnlySpan<byte> bytes, string name, JsonObject obj)
    {
        var schema = MessageSchema.Described[name];
        var reader = new WireReader(bytes);
        while (!reader.AtEnd)
        {
            var (number, wire) = reader.ReadTag();
            if (!schema.TryGetValue(number, out var field))
            {
                throw new NotSupportedException($"protobuf field {number} of {name} is not described; send JSON");
            }

            if (field.Inline)
            {
                Read(reader.ReadBytes(), field.Type, obj);
            }
            else if (field.Type is "map" or "bytesmap" or "quantitymap")
            {
                var (key, value) = MapEntry(reader.ReadBytes(), field.Type);
                ((obj[field.Name] ??= new JsonObject()).AsObject())[key] = value;
            }
            else if (field.Repeated && wire == 2 && field.IsInteger)
            {
                // A packed repeated number.
                var packed = new WireReader(reader.ReadBytes());
                while (!packed.AtEnd)
                {
                    Array(obj, field.Name).Add((long)packed.ReadVarint());
                }
            }
            else if (Value(ref reader, field, wire) is var value && field.Repeated)
            {
                Array(obj, field.Name).Add(value);
            }
            else if (value is not null)
            {
                obj[field.Name] = value;
            }
        }
    }

    private static JsonArray Array(JsonObject obj, string name) => (obj[name] ??= new JsonArray()).AsArray();

    private static JsonNode? Value(ref WireReader reader, MessageField field, int wire)
    {
        if (field.IsInteger || field.Type is "bool" or "bool?" ? wire != 0 : wire != 2)
        {
            throw new NotSupportedException($"protobuf field {field.Name} ({field.Type}) arrived with wire type {wire}; send JSON");
        }

        return field.Type switch
        {
            // Go's plain int fields marked omitempty leave a zero out of JSON; pointers (?) and required ones (!) keep it.
            "int32" or "int64" => (long)reader.ReadVarint() is var n && n != 0 ? n : null,
            "int32?" or "int64?" or "int32!" or "int64!" => (long)reader.ReadVarint(),
            "bool" => reader.ReadVarint() != 0 ? true : null,
            "bool?" => reader.ReadVarint() != 0,
            "string" => Encoding.UTF8.GetString(reader.ReadBytes()) is var text && (text.Length > 0 || field.Repeated) ? text : null,
            "bytes" => Convert.ToBase64String(reader.ReadBytes()),
            "Time" => Time(reader.ReadBytes()),
            "Quantity" => Quantity(reader.ReadBytes()),
            "IntOrString" => IntOrString(reader.ReadBytes()),
            "RawJSON" => RawJson(reader.ReadBytes()),
            _ => Message(reader.ReadBytes(), field.Type),
        };
    }

    private static (string Key, JsonNode? Value) MapEntry(ReadOnlySpan<byte> bytes, string type)
    {
        var key = "";
        JsonNode? value = type == "quantitymap" ? null : "";
        var reader = new WireReader(bytes);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            if (wire != 2)
            {
                reader.Skip(wire);
                continue;
            }

            var data = reader.ReadBytes();
            if (field == 1)
            {
                key = Encoding.UTF8.GetString(data);
            }
            else if (field == 2)
            {
                value = type switch
                {
                    "bytesmap" => Convert.ToBase64String(data),
                    "quantitymap" => Quantity(data),
                    _ => Encoding.UTF8.GetString(data),
                };
            }
        }

        return (key, value);
    }

    // apimachinery's resource.Quantity: its canonical string in field 1.
    private static JsonNode? Quantity(ReadOnlySpan<byte> bytes)
    {
        var reader = new WireReader(bytes);
        string? text = null;
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 1 && wire == 2)
            {
                text = Encoding.UTF8.GetString(reader.ReadBytes());
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return text;
    }

    // apimachinery's FieldsV1 and the like: JSON bytes in field 1 (raw), shown in JSON as the JSON they hold.
    private static JsonNode? RawJson(ReadOnlySpan<byte> bytes)
    {
        var reader = new WireReader(bytes);
        JsonNode? value = null;
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 1 && wire == 2)
            {
                value = JsonNode.Parse(reader.ReadBytes());
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return value;
    }

    // apimachinery's intstr.IntOrString: type 0 is intVal (field 2), type 1 strVal (field 3).
    private static JsonNode IntOrString(ReadOnlySpan<byte> bytes)
    {
        var reader = new WireReader(bytes);
        long type = 0, number = 0;
        var text = "";
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1 when wire == 0:
                    type = (long)reader.ReadVarint();
                    break;
                case 2 when wire == 0:
                    number = (long)reader.ReadVarint();
                    break;
                case 3 when wire == 2:
                    text = Encoding.UTF8.GetString(reader.ReadBytes());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return type == 1 ? text : number;
    }

    private const long GoZeroTimeSeconds = -62135596800;

    private static string? Time(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            // metav1.Time marshals its zero value as an empty message.
            return null;
        }

        long seconds = 0;
        var reader = new WireReader(bytes);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 1 && wire == 0)
            {
                seconds = (long)reader.ReadVarint();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        // Go's zero time (year 1) is what an unset metav1.Time marshals to; JSON has null for it, so it is omitted.
        return seconds <= GoZeroTimeSeconds ? null : DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
    }
}
