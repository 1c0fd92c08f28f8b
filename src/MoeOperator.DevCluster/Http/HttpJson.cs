using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using MoeOperator.Api.Schema;
using MoeOperator.DevCluster.Protobuf;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Http;

/// <summary>Reading request bodies (JSON, YAML or protobuf) and writing responses (JSON, or protobuf when asked for first).</summary>
internal static class HttpJson
{
    public static async Task WriteAsync(HttpContext context, int code, JsonNode body, IReadOnlyList<string>? warnings = null, string contentType = "application/json")
    {
        byte[]? protobuf = null;
        if (contentType == "application/json" && AcceptedMediaTypes.Of(context.Request.Headers.Accept) is { PrefersProtobuf: true } accepted && body is JsonObject obj)
        {
            protobuf = ProtobufResponses.TryEncode(obj, out var unsupported);
            if (protobuf is null && !accepted.AcceptsJson)
            {
                (code, body) = (406, new ApiException(406, "NotAcceptable", $"only application/json is served for this object ({unsupported}); accept application/json").ToStatus());
            }
        }

        context.Response.StatusCode = code;
        context.Response.ContentType = protobuf is null ? contentType : ProtobufResponses.MediaType;
        foreach (var warning in warnings ?? [])
        {
            // RFC 7234's quoted-string, escaped as the real server's NewWarningHeader does (kubectl unescapes it).
            var quoted = warning.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
            context.Response.Headers.Append("Warning", $"299 - \"{quoted}\"");
        }

        if (protobuf is not null)
        {
            await context.Response.Body.WriteAsync(protobuf, context.RequestAborted);
            return;
        }

        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    /// <summary>
    /// Reads at most <paramref name="limit"/> bytes, as the real server's limitedReadBody: one byte more and the
    /// request is refused with 413 RequestEntityTooLarge before anything is decoded.
    /// </summary>
    public static async Task<byte[]> ReadLimitedAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new ApiException(413, "RequestEntityTooLarge", $"Request entity too large: limit is {limit}");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public static Task WriteErrorAsync(HttpContext context, ApiException error) => WriteAsync(context, error.Code, error.ToStatus());

    /// <summary>The request body as JSON; apply patches and kubectl may send YAML, typed clients protobuf.</summary>
    public static async Task<JsonNode> ReadAsync(HttpContext context) =>
        await ReadOptionalAsync(context) ?? throw ApiException.BadRequest("the request body is empty");

    /// <summary>The most a request body may hold, as kube-apiserver's MaxRequestBodyBytes (3 MiB).</summary>
    public const int MaxRequestBodyBytes = 3 * 1024 * 1024;

    /// <summary>The request body as JSON, or null when there is none (DELETE without options).</summary>
    public static async Task<JsonNode?> ReadOptionalAsync(HttpContext context)
    {
        var bytes = await ReadLimitedAsync(context.Request.Body, MaxRequestBodyBytes, context.RequestAborted);
        if (bytes.Length == 0)
        {
            return null;
        }

        if (context.Request.ContentType?.Contains("protobuf", StringComparison.Ordinal) == true || ProtobufBodies.IsEnvelope(bytes))
        {
            try
            {
                return ProtobufBodies.Decode(bytes);
            }
            catch (Exception e) when (e is NotSupportedException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                throw new ApiException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format ({e.Message}) - accepted media types include: application/json, application/yaml");
            }
        }

        var text = Encoding.UTF8.GetString(bytes);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text, documentOptions: YamlDocuments.JsonOptions);
        }
        catch (JsonException) when (context.Request.ContentType?.Contains("yaml", StringComparison.Ordinal) == true)
        {
            return YamlDocuments.Parse(text) is [var first, ..] ? first : throw ApiException.BadRequest("the YAML body holds no object");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
    }
}
