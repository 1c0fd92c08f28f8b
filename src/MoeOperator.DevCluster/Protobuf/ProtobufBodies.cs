using System.Text;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Protobuf;

/// <summary>
/// Decodes the Kubernetes protobuf request bodies that typed clients send (helm stores releases in Secrets through
/// one): the "k8s\0" envelope around runtime.Unknown, then the object by its kind. Only the kinds such clients
/// write are described; responses are always JSON, which those clients also accept.
/// </summary>
public static class ProtobufBodies
{
    private static readonly byte[] _magic = "k8s\0"u8.ToArray();

    private enum FieldKind
    {
        String,
        Bytes,
        Int64,
        Bool,
        Time,
        StringMap,
        BytesMap,
        StringList,
        Message,
        MessageList,
    }

    private sealed record Field(string Name, FieldKind Kind, string? Message = null);

    // Field numbers from k8s.io/api and apimachinery generated.proto.
    private static readonly Dictionary<string, Dictionary<int, Field>> _messages = new()
    {
        ["ObjectMeta"] = new()
        {
            [1] = new("name", FieldKind.String),
            [2] = new("generateName", FieldKind.String),
            [3] = new("namespace", FieldKind.String),
            [5] = new("uid", FieldKind.String),
            [6] = new("resourceVersion", FieldKind.String),
            [7] = new("generation", FieldKind.Int64),
            [8] = new("creationTimestamp", FieldKind.Time),
            [11] = new("labels", FieldKind.StringMap),
            [12] = new("annotations", FieldKind.StringMap),
            [13] = new("ownerReferences", FieldKind.MessageList, "OwnerReference"),
            [14] = new("finalizers", FieldKind.StringList),
        },
        ["OwnerReference"] = new()
        {
            [1] = new("kind", FieldKind.String),
            [3] = new("name", FieldKind.String),
            [4] = new("uid", FieldKind.String),
            [5] = new("apiVersion", FieldKind.String),
            [6] = new("controller", FieldKind.Bool),
            [7] = new("blockOwnerDeletion", FieldKind.Bool),
        },
        ["Secret"] = new()
        {
            [1] = new("metadata", FieldKind.Message, "ObjectMeta"),
            [2] = new("data", FieldKind.BytesMap),
            [3] = new("type", FieldKind.String),
            [4] = new("stringData", FieldKind.StringMap),
            [5] = new("immutable", FieldKind.Bool),
        },
        ["ConfigMap"] = new()
        {
            [1] = new("metadata", FieldKind.Message, "ObjectMeta"),
            [2] = new("data", FieldKind.StringMap),
            [3] = new("binaryData", FieldKind.BytesMap),
            [4] = new("immutable", FieldKind.Bool),
        },
        ["Namespace"] = new()
        {
            [1] = new("metadata", FieldKind.Message, "ObjectMeta"),
        },
        ["DeleteOptions"] = new()
        {
            [1] = new("gracePeriodSeconds", FieldKind.Int64),
            [2] = new("preconditions", FieldKind.Message, "Preconditions"),
            [3] = new("orphanDependents", FieldKind.Bool),
            [4] = new("propagationPolicy", FieldKind.String),
            [5] = new("dryRun", FieldKind.StringList),
        },
        ["Preconditions"] = new()
        {
            [1] = new("uid", FieldKind.String),
            [2] = new("resourceVersion", FieldKind.String),
        },
    };

    /// <summary>Whether the body starts with the Kubernetes protobuf envelope.</summary>
    public static bool IsEnvelope(ReadOnlySpan<byte> body) => body.StartsWith(_magic);

    /// <summary>The object in a protobuf body as JSON; throws <see cref="NotSupportedException"/> for kinds it cannot read.</summary>
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

        if (kind is null || !_messages.ContainsKey(kind))
        {
            throw new NotSupportedException($"protobuf bodies of kind {kind ?? "(none)"} are not supported; send JSON");
        }

        var obj = Message(raw, kind);
        obj["apiVersion"] = apiVersion;
        obj["kind"] = kind;
        return obj;
    }

    private static JsonObject Message(ReadOnlySpan<byte> bytes, string name)
    {
        var schema = _messages[name];
        var obj = new JsonObject();
        var reader = new WireReader(bytes);
        while (!reader.AtEnd)
        {
            var (number, wire) = reader.ReadTag();
            if (!schema.TryGetValue(number, out var field))
            {
                reader.Skip(wire);
                continue;
            }

            switch (field.Kind)
            {
                case FieldKind.String:
                    obj[field.Name] = Encoding.UTF8.GetString(reader.ReadBytes());
                    break;
                case FieldKind.Bytes:
                    obj[field.Name] = Convert.ToBase64String(reader.ReadBytes());
                    break;
                case FieldKind.Int64:
                    obj[field.Name] = (long)reader.ReadVarint();
                    break;
                case FieldKind.Bool:
                    obj[field.Name] = reader.ReadVarint() != 0;
                    break;
                case FieldKind.Time:
                    obj[field.Name] = Time(reader.ReadBytes());
                    break;
                case FieldKind.StringMap or FieldKind.BytesMap:
                    var (key, value) = MapEntry(reader.ReadBytes(), field.Kind == FieldKind.BytesMap);
                    ((obj[field.Name] ??= new JsonObject()).AsObject())[key] = value;
                    break;
                case FieldKind.StringList:
                    ((obj[field.Name] ??= new JsonArray()).AsArray()).Add(Encoding.UTF8.GetString(reader.ReadBytes()));
                    break;
                case FieldKind.Message:
                    obj[field.Name] = Message(reader.ReadBytes(), field.Message!);
                    break;
                case FieldKind.MessageList:
                    ((obj[field.Name] ??= new JsonArray()).AsArray()).Add(Message(reader.ReadBytes(), field.Message!));
                    break;
            }
        }

        return obj;
    }

    private static (string Key, string Value) MapEntry(ReadOnlySpan<byte> bytes, bool valueIsBytes)
    {
        string key = "", value = "";
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
                value = valueIsBytes ? Convert.ToBase64String(data) : Encoding.UTF8.GetString(data);
            }
        }

        return (key, value);
    }

    private static string Time(ReadOnlySpan<byte> bytes)
    {
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

        return DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
    }
}
