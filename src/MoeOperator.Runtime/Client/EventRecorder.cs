using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.Runtime.Client;

/// <summary>Records events.k8s.io/v1 Events about an object, as `kubectl describe` and `kubectl events` show them.</summary>
public sealed class EventRecorder(KubernetesJsonClient client, string controller, string instance, TimeProvider clock)
{
    /// <summary>Records a Normal or Warning event with a CamelCase reason and a note a person can act on.</summary>
    public async Task RecordAsync(JsonObject regarding, bool warning, string reason, string action, string note, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(regarding);
        var ns = (string?)regarding["metadata"]?["namespace"] ?? "default";
        var name = (string?)regarding["metadata"]?["name"] ?? "";
        var body = new JsonObject
        {
            ["apiVersion"] = "events.k8s.io/v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["generateName"] = name + ".", ["namespace"] = ns },
            ["regarding"] = new JsonObject
            {
                ["apiVersion"] = (string?)regarding["apiVersion"],
                ["kind"] = (string?)regarding["kind"],
                ["name"] = name,
                ["namespace"] = ns,
                ["uid"] = (string?)regarding["metadata"]?["uid"],
            },
            ["type"] = warning ? "Warning" : "Normal",
            ["reason"] = reason,
            ["action"] = action,
            ["note"] = note.Length > 1024 ? note[..1024] : note,
            ["reportingController"] = controller,
            ["reportingInstance"] = instance,
            ["eventTime"] = clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        };
        var (status, response) = await client.SendAsync(HttpMethod.Post, $"/apis/events.k8s.io/v1/namespaces/{ns}/events", body, cancellationToken: cancellationToken);
        if ((int)status is < 200 or > 299)
        {
            throw new ApiRequestException(status, $"recording event {reason} for {ns}/{name} failed: {(string?)response?["message"]}");
        }
    }
}
