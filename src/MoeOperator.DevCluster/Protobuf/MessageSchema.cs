namespace MoeOperator.DevCluster.Protobuf;

/// <summary>One described field: its JSON name, type, whether repeated, and whether JSON inlines it into its parent.</summary>
internal sealed record MessageField(string Name, string Type, bool Repeated, bool Inline)
{
    /// <summary>int32 or int64, whatever its zero means (see <see cref="MessageDescriptions"/>).</summary>
    public bool IsInteger => Type.StartsWith("int", StringComparison.Ordinal);
}

/// <summary>Parses <see cref="MessageDescriptions"/>' text into field tables by message and field number.</summary>
internal static class MessageSchema
{
    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlyDictionary<int, MessageField>>> _described = new(() => Parse(MessageDescriptions.Text));

    /// <summary>The messages of <see cref="MessageDescriptions"/>, parsed once.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<int, MessageField>> Described => _described.Value;

    public static IReadOnlyDictionary<string, IReadOnlyDictionary<int, MessageField>> Parse(string text)
    {
        var messages = new Dictionary<string, IReadOnlyDictionary<int, MessageField>>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon].Trim();
            var fields = new Dictionary<int, MessageField>();
            foreach (var token in line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                // field=number[:type]
                var (left, type) = token.IndexOf(':', StringComparison.Ordinal) is var at and > 0 ? (token[..at], token[(at + 1)..]) : (token, "string");
                var equals = left.IndexOf('=', StringComparison.Ordinal);
                var number = int.Parse(left[(equals + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                var repeated = type.StartsWith('[');
                var inline = type.StartsWith('^');
                type = type.Trim('[', ']', '^');
                if (!fields.TryAdd(number, new MessageField(left[..equals], type, repeated, inline)))
                {
                    throw new InvalidOperationException($"{name}: field number {number} described twice");
                }
            }

            messages.Add(name, fields);
        }

        // Every message a field names must itself be described.
        string[] scalars = ["string", "bytes", "int32", "int64", "int32?", "int64?", "int32!", "int64!", "bool", "bool?", "Time", "Quantity", "IntOrString", "RawJSON", "map", "bytesmap", "quantitymap"];
        foreach (var (name, fields) in messages)
        {
            foreach (var field in fields.Values.Where(f => !scalars.Contains(f.Type) && !messages.ContainsKey(f.Type)))
            {
                throw new InvalidOperationException($"{name}.{field.Name} names message {field.Type}, which is not described");
            }
        }

        return messages;
    }
}
