using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Cluster;

/// <summary>
/// The events the cluster's own components record, as the real ones do: core v1 Events naming the component as
/// source and reportingComponent, one Event per object, reason and message, whose count and lastTimestamp rise when
/// the same thing happens again. <c>kubectl describe pod</c> shows a pod's Scheduled, Pulled, Created and Started.
/// </summary>
internal static class ClusterEvents
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";

    /// <summary>
    /// Records (or counts again) an event about <paramref name="involved"/>. An event that cannot be written is
    /// reported as the component's error, never thrown into the work it describes; one whose namespace is going is dropped.
    /// </summary>
    public static void Record(ClusterApi api, JsonObject involved, string type, string reason, string message, string? host = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(involved);
        var metadata = involved["metadata"];
        var name = (string?)metadata?["name"] ?? "";
        var ns = (string?)metadata?["namespace"] is { Length: > 0 } n ? n : "default";
        var uid = (string?)metadata?["uid"] ?? "";
        var eventName = $"{name}.{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{uid}\n{reason}\n{message}")))[..16]}";
        var now = api.Service.Now();
        try
        {
            if (api.Get("events", ns, eventName) is { } existing)
            {
                existing["count"] = ((int?)existing["count"] ?? 1) + 1;
                existing["lastTimestamp"] = now;
                api.Update("events", existing);
                return;
            }

            api.Create("events", new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Event",
                ["metadata"] = new JsonObject { ["name"] = eventName, ["namespace"] = ns },
                ["involvedObject"] = new JsonObject
                {
                    ["apiVersion"] = (string?)involved["apiVersion"],
                    ["kind"] = (string?)involved["kind"],
                    ["name"] = name,
                    ["namespace"] = (string?)metadata?["namespace"],
                    ["uid"] = uid,
                    ["resourceVersion"] = (string?)metadata?["resourceVersion"],
                },
                ["reason"] = reason,
                ["message"] = message,
                ["type"] = type,
                ["count"] = 1,
                ["firstTimestamp"] = now,
                ["lastTimestamp"] = now,
                ["source"] = host is null ? new JsonObject { ["component"] = api.Component } : new JsonObject { ["component"] = api.Component, ["host"] = host },
                ["reportingComponent"] = api.Component,
                ["reportingInstance"] = host is null ? api.Component : $"{api.Component}-{host}",
            });
        }
        catch (ApiException e) when (e.Code is 403 or 404)
        {
            // The namespace is going or gone, and the object with it: the real recorders drop such an event too.
        }
        catch (ApiException e)
        {
            api.Errors.Report(api.Component, $"event {ns}/{eventName}", e);
        }
    }
}
