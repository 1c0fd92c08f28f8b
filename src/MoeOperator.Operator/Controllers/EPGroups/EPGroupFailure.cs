using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.Controllers.EPGroups;

/// <summary>A pod that cannot run on the node the group pinned it to: which, where, why, and whether to give up on the node.</summary>
/// <param name="Pod">The pod.</param>
/// <param name="Node">The node it was pinned to, when known.</param>
/// <param name="Message">The scheduler's or the kubelet's word, with the pod and node named.</param>
/// <param name="Final">Whether to place the group again now (refused by the kubelet, or unschedulable past the grace).</param>
/// <param name="Remaining">Until when it is given a chance (zero once final).</param>
internal sealed record Misplacement(JsonObject Pod, string? Node, string Message, bool Final, TimeSpan Remaining);

/// <summary>Pure reading of why a rank's pod failed or cannot run where it was placed, and the group's restart back-off.</summary>
internal static class EPGroupFailure
{
    // What a real kubelet writes when it refuses a pod at admission, besides OutOf<resource> (cpu, memory, pods, ...).
    private static readonly string[] _admissionReasons = ["UnexpectedAdmissionError", "NodeAffinity", "NodeName"];

    /// <summary>
    /// The first pod that cannot run where it is pinned: refused by the kubelet (phase Failed with an admission
    /// reason: UnexpectedAdmissionError, OutOf&lt;resource&gt;), or left unschedulable by the scheduler (Final once
    /// longer than <paramref name="grace"/>). Null when every pod is bound or still being scheduled normally.
    /// </summary>
    public static Misplacement? Misplaced(IEnumerable<JsonObject> pods, DateTimeOffset now, TimeSpan grace)
    {
        foreach (var pod in pods.Where(p => p["metadata"]?["deletionTimestamp"] is null).OrderBy(p => (string?)p["metadata"]?["name"], StringComparer.Ordinal))
        {
            var name = (string?)pod["metadata"]?["name"];
            var node = (string?)pod["spec"]?["nodeName"] is { Length: > 0 } bound ? bound : PinnedNode(pod);
            var reason = (string?)pod["status"]?["reason"];
            if ((string?)pod["status"]?["phase"] == "Failed" && reason is not null && (_admissionReasons.Contains(reason) || reason.StartsWith("OutOf", StringComparison.Ordinal)))
            {
                return new Misplacement(pod, node, $"pod {name} was refused by the kubelet of {node} ({reason}: {(string?)pod["status"]?["message"]})", Final: true, TimeSpan.Zero);
            }

            var unschedulable = pod["status"]?["conditions"]?.AsArray()
                .FirstOrDefault(c => (string?)c?["type"] == "PodScheduled" && (string?)c?["status"] == "False" && (string?)c?["reason"] == "Unschedulable");
            if (unschedulable is not null && (string?)pod["spec"]?["nodeName"] is not { Length: > 0 })
            {
                var since = DateTimeOffset.TryParse((string?)unschedulable["lastTransitionTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : now;
                var remaining = grace - (now - since);
                return new Misplacement(pod, node, $"pod {name} cannot be scheduled on {node ?? "its node"}: {(string?)unschedulable["message"]}", remaining <= TimeSpan.Zero, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
            }
        }

        return null;
    }

    // The node a pod is pinned to by its required node affinity (metadata.name In [node]), if any.
    private static string? PinnedNode(JsonObject pod) =>
        pod["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"]?.AsArray()
            .SelectMany(t => t?["matchFields"]?.AsArray() ?? [])
            .Where(f => (string?)f?["key"] == "metadata.name" && (string?)f?["operator"] == "In")
            .Select(f => (string?)f?["values"]?[0])
            .FirstOrDefault();

    /// <summary>The reason of a pod whose kernel selftest failed.</summary>
    public const string SelfTestFailed = "KernelSelfTestFailed";

    /// <summary>
    /// The first failed pod of the group's current attempt, or null when every such pod still runs. Pods of an earlier
    /// attempt (their peers going away failed them while the restart was stopping them) and pods the operator is
    /// deleting are not new failures: one failure costs one restart.
    /// </summary>
    public static JsonObject? FailedPod(IEnumerable<JsonObject> pods, int attempt) =>
        pods.Where(p => (string?)p["status"]?["phase"] == "Failed" && p["metadata"]?["deletionTimestamp"] is null && OfAttempt(p, attempt))
            .OrderBy(p => (string?)p["metadata"]?["name"], StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>Whether the pod belongs to <paramref name="attempt"/> (a pod without the label, made before it existed, does).</summary>
    public static bool OfAttempt(JsonObject pod, int attempt) =>
        !int.TryParse((string?)pod["metadata"]?["labels"]?[EPGroupNames.AttemptLabel], NumberStyles.Integer, CultureInfo.InvariantCulture, out var label) || label == attempt;

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

    /// <summary>
    /// What <c>status.lastFailure.logTail</c> keeps of a failed rank's log, at most <paramref name="max"/> lines: when
    /// the log holds an exception (a .NET <c>Unhandled exception.</c> or an <c>... Exception: message</c> line), the
    /// lines naming it come first, because a crash inside native code (TorchSharp, the kernels) is followed by more
    /// native stack frames than the tail has room for; then the last lines, which say what the rank did last.
    /// </summary>
    public static List<string> LogExcerpt(IReadOnlyList<string> lines, int max = 20)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var start = -1;
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].StartsWith("Unhandled exception", StringComparison.Ordinal) || (lines[i].Contains("Exception: ", StringComparison.Ordinal) && !lines[i].TrimStart().StartsWith("at ", StringComparison.Ordinal)))
            {
                start = i;
                break;
            }
        }

        if (start < 0 || lines.Count <= max)
        {
            return [.. lines.TakeLast(max)];
        }

        // The exception's own lines: up to the first stack frame, at most a quarter of the room.
        var head = lines.Skip(start).TakeWhile((l, i) => i == 0 || !l.TrimStart().StartsWith("at ", StringComparison.Ordinal)).Take(Math.Max(1, max / 4)).ToList();
        var tail = lines.Skip(start + head.Count).TakeLast(max - head.Count - 1).ToList();
        return [.. head, "...", .. tail];
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
