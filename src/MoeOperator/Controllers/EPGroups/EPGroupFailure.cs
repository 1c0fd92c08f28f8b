using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>Pure reading of why a rank's pod failed, and the group's restart back-off.</summary>
internal static class EPGroupFailure
{
    /// <summary>The reason of a pod whose kernel selftest failed.</summary>
    public const string SelfTestFailed = "KernelSelfTestFailed";

    /// <summary>The first failed pod of the group, or null when every pod still runs.</summary>
    public static JsonObject? FailedPod(IEnumerable<JsonObject> pods) =>
        pods.Where(p => (string?)p["status"]?["phase"] == "Failed").OrderBy(p => (string?)p["metadata"]?["name"], StringComparer.Ordinal).FirstOrDefault();

    /// <summary>CamelCase reason and a sentence: the pod's own reason (NodeLost, ...), a failed kernel selftest, or its container's exit.</summary>
    public static (string Reason, string Message) Describe(JsonObject pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var name = (string?)pod["metadata"]?["name"];
        if ((string?)pod["status"]?["reason"] is { Length: > 0 } reason)
        {
            return (reason, $"pod {name}: {(string?)pod["status"]?["message"] ?? reason}");
        }

        var selfTest = pod["status"]?["initContainerStatuses"]?.AsArray()
            .FirstOrDefault(c => (string?)c?["name"] == EPGroupBuilder.SelfTestContainer && (int?)c?["state"]?["terminated"]?["exitCode"] is { } code && code != 0);
        if (selfTest is not null)
        {
            var node = (string?)pod["spec"]?["nodeName"] ?? "its node";
            var detail = (string?)selfTest["state"]?["terminated"]?["message"] is { Length: > 0 } text ? $": {text.Trim()}" : "";
            return (SelfTestFailed, $"pod {name}: the kernel selftest failed on {node} (exit {((int?)selfTest["state"]?["terminated"]?["exitCode"] ?? 0).ToString(CultureInfo.InvariantCulture)}){detail}");
        }

        var terminated = pod["status"]?["containerStatuses"]?.AsArray().Select(c => c?["state"]?["terminated"]).FirstOrDefault(t => t is not null && (int?)t["exitCode"] != 0);
        return terminated is null
            ? ("PodFailed", $"pod {name} failed")
            : ("PodFailed", $"pod {name}: container exited with code {((int?)terminated["exitCode"] ?? 0).ToString(CultureInfo.InvariantCulture)}{((string?)terminated["message"] is { Length: > 0 } message ? $" ({message})" : "")}");
    }

    /// <summary>The wait before restart number <paramref name="restart"/> (1-based): initial, doubling, capped.</summary>
    public static TimeSpan Backoff(int restart, TimeSpan initial, TimeSpan max)
    {
        var delay = initial;
        for (var i = 1; i < restart && delay < max; i++)
        {
            delay *= 2;
        }

        return delay > max ? max : delay;
    }
}
