using System.Text;
using System.Text.Json.Nodes;
using MoeOperator.Api.Validation;
using MoeOperator.DevCluster.Catalog;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>
/// ConfigMaps and Secrets as the API server stores and checks them: a Secret's stringData is folded into data
/// (base64, replacing a key of the same name) on every write and never stored, and the data of either may hold at
/// most 1 MiB, refused with the server's words (a ConfigMap's error names no field: "[]").
/// </summary>
internal static class ConfigData
{
    public const int MaxBytes = 1024 * 1024;

    public static void Normalize(ResourceType type, JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(obj);
        if (type.GroupResource != "secrets" || obj["stringData"] is not JsonObject strings)
        {
            return;
        }

        if (obj["data"] is not JsonObject data)
        {
            data = [];
            obj["data"] = data;
        }

        foreach (var (key, value) in strings)
        {
            data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes((string?)value ?? ""));
        }

        obj.Remove("stringData");
    }

    public static List<FieldError> Check(ResourceType type, JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(obj);
        var tooLong = $"must have at most {MaxBytes} bytes";
        return type.GroupResource switch
        {
            "configmaps" when Size(obj["data"], base64: false) + Size(obj["binaryData"], base64: true) > MaxBytes => [new("[]", FieldErrorType.TooLong, null, tooLong)],
            "secrets" when Size(obj["data"], base64: true) > MaxBytes => [new("data", FieldErrorType.TooLong, null, tooLong)],
            _ => [],
        };
    }

    // Bytes of the values: strings as UTF-8, base64 values as the bytes they decode to.
    private static long Size(JsonNode? values, bool base64) =>
        (values as JsonObject ?? []).Sum(p => (string?)p.Value is not { } text ? 0L
            : base64 ? (text.Length / 4 * 3) - text.Count(c => c == '=') : Encoding.UTF8.GetByteCount(text));
}
