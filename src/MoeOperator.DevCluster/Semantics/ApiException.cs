using System.Text.Json.Nodes;
using MoeOperator.Api.Validation;
using MoeOperator.DevCluster.Catalog;

namespace MoeOperator.DevCluster.Semantics;

/// <summary>A request the API server refuses, carried to the HTTP layer as a metav1 Status like the real server's.</summary>
public sealed class ApiException(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    /// <summary>HTTP status code.</summary>
    public int Code { get; } = code;

    /// <summary>metav1.StatusReason.</summary>
    public string Reason { get; } = reason;

    /// <summary>The Status object's details.</summary>
    public JsonObject? Details { get; } = details;

    /// <summary>The error as a metav1 Status object.</summary>
    public JsonObject ToStatus() => Status(Code, Reason, Message, Details?.DeepClone());

    /// <summary>A metav1 Status object.</summary>
    public static JsonObject Status(int code, string reason, string message, JsonNode? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = code < 400 ? "Success" : "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        return status;
    }

    public static ApiException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.GroupResource} \"{name}\" not found", DetailsOf(type, name));

    public static ApiException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.GroupResource} \"{name}\" already exists", DetailsOf(type, name));

    public static ApiException Conflict(ResourceType type, string name) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.GroupResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", DetailsOf(type, name));

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException Forbidden(ResourceType type, string name, string why) =>
        new(403, "Forbidden", $"{type.GroupResource} \"{name}\" is forbidden: {why}", DetailsOf(type, name));

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException Invalid(ResourceType type, string name, IReadOnlyList<FieldError> errors)
    {
        var details = DetailsOf(type, name);
        details["kind"] = type.Kind;
        details["causes"] = new JsonArray([.. errors.Select(e => (JsonNode)new JsonObject
        {
            ["reason"] = CauseReason(e.Type),
            ["message"] = e.ToString()[(e.Path.Length + 2)..],
            ["field"] = e.Path,
        })]);
        var kind = type.Group.Length == 0 ? type.Kind : $"{type.Kind}.{type.Group}";
        var body = errors.Count == 1 ? errors[0].ToString() : $"[{string.Join(", ", errors)}]";
        return new(422, "Invalid", $"{kind} \"{name}\" is invalid: {body}", details);
    }

    private static JsonObject DetailsOf(ResourceType type, string name) => new()
    {
        ["name"] = name,
        ["group"] = type.Group,
        ["kind"] = type.Plural,
    };

    private static string CauseReason(FieldErrorType type) => type switch
    {
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.TooMany => "FieldValueTooMany",
        FieldErrorType.TypeInvalid => "FieldValueTypeInvalid",
        FieldErrorType.Unknown => "FieldValueInvalid",
        _ => "FieldValueInvalid",
    };
}
