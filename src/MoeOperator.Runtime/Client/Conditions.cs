using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.Runtime.Client;

/// <summary>metav1.Condition lists in JSON: set one, keeping lastTransitionTime unless the status really changes.</summary>
public static class Conditions
{
    /// <summary>
    /// Sets condition <paramref name="type"/> in <paramref name="status"/>.conditions and returns whether anything
    /// changed; an unchanged condition keeps its transition time, so rewriting the same status is a no-op.
    /// </summary>
    public static bool Set(JsonObject status, string type, bool? value, string reason, string message, long observedGeneration, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        var conditions = status["conditions"] as JsonArray;
        if (conditions is null)
        {
            conditions = [];
            status["conditions"] = conditions;
        }

        var text = value switch { true => "True", false => "False", null => "Unknown" };
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);
        if (existing is not null && (string?)existing["status"] == text && (string?)existing["reason"] == reason
            && (string?)existing["message"] == message && (long?)existing["observedGeneration"] == observedGeneration)
        {
            return false;
        }

        var transition = existing is not null && (string?)existing["status"] == text
            ? (string?)existing["lastTransitionTime"]
            : now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = text,
            ["reason"] = reason,
            ["message"] = message,
            ["observedGeneration"] = observedGeneration,
            ["lastTransitionTime"] = transition,
        };
        if (existing is null)
        {
            conditions.Add(condition);
        }
        else
        {
            conditions[conditions.IndexOf(existing)] = condition;
        }

        return true;
    }

    /// <summary>The reason of condition <paramref name="type"/>, or null when there is no such condition.</summary>
    public static string? Reason(JsonObject? status, string type) =>
        (string?)status?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type)?["reason"];

    /// <summary>Whether condition <paramref name="type"/> is True.</summary>
    public static bool IsTrue(JsonObject? status, string type) =>
        status?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == type && (string?)c?["status"] == "True") == true;
}
