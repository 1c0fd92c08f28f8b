using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MoeOperator.Api.Serialization;

/// <summary>
/// Times as Kubernetes writes them (metav1.Time): RFC 3339 in UTC to the second, for example 2026-12-02T19:30:37Z.
/// Reading and writing a status therefore gives back the same text, so an unchanged status compares equal.
/// </summary>
public sealed class KubernetesTimeConverter : JsonConverter<DateTimeOffset>
{
    /// <summary>The text form: RFC 3339, UTC, seconds.</summary>
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    /// <summary>Reads any RFC 3339 time (a time without an offset is UTC).</summary>
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString() ?? "", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>Writes the time in UTC to the second.</summary>
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
    }
}
