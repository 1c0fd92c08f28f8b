using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>The pod status the kubelet reports: phase, conditions, addresses and one status per container.</summary>
internal static class PodStatusBuilder
{
    public static JsonObject Build(JsonObject pod, PodRuntime runtime, string hostIp, DateTimeOffset now)
    {
        var stamp = Format(now);
        var status = pod["status"]?.DeepClone().AsObject() ?? [];
        var phase = Phase(pod, runtime);
        status["phase"] = phase;
        status["hostIP"] = hostIp;
        status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp });
        status["podIP"] = runtime.Ip;
        status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = runtime.Ip });
        status["startTime"] ??= stamp;
        status["qosClass"] ??= "BestEffort";
        status.Remove("reason");
        status.Remove("message");
        if (runtime.InitContainers.Count > 0)
        {
            status["initContainerStatuses"] = new JsonArray([.. runtime.InitContainers.Select(c => (JsonNode)Container(c, status["initContainerStatuses"], waitingReason: "PodInitializing"))]);
        }

        var waiting = runtime.Initialized ? "ContainerCreating" : "PodInitializing";
        status["containerStatuses"] = new JsonArray([.. runtime.Containers.Select(c => (JsonNode)Container(c, status["containerStatuses"], waiting))]);

        var terminal = phase is "Succeeded" or "Failed";
        PodConditions.Set(status, "PodReadyToStartContainers", "True", null, null, stamp);
        var incompleteInit = runtime.InitContainers.Where(c => c.Run?.ExitCode != 0).Select(c => c.Name).ToList();
        PodConditions.Set(status, "Initialized", incompleteInit.Count == 0 ? "True" : "False",
            incompleteInit.Count == 0 ? null : "ContainersNotInitialized",
            incompleteInit.Count == 0 ? null : $"containers with incomplete status: [{string.Join(' ', incompleteInit)}]", stamp);
        var unready = runtime.Containers.Where(c => !c.IsReady).Select(c => c.Name).ToList();
        var (reason, message) = terminal
            ? ("PodCompleted", (string?)null)
            : unready.Count == 0 ? ((string?)null, (string?)null) : ("ContainersNotReady", $"containers with unready status: [{string.Join(' ', unready)}]");
        var ready = !terminal && unready.Count == 0 ? "True" : "False";
        PodConditions.Set(status, "ContainersReady", ready, reason, message, stamp);
        PodConditions.Set(status, "Ready", ready, reason, message, stamp);
        PodConditions.Set(status, "PodScheduled", "True", null, null, stamp);
        return status;
    }

    /// <summary>Pending until every container has started once, Running while any runs or will restart, then Succeeded or Failed.</summary>
    public static string Phase(JsonObject pod, PodRuntime runtime)
    {
        var policy = (string?)pod["spec"]?["restartPolicy"] ?? "Always";
        if (runtime.InitContainers.Any(c => c.Run?.ExitCode is { } code && code != 0) && policy == "Never")
        {
            return "Failed";
        }

        if (!runtime.Initialized || runtime.Containers.Any(c => c.Run?.StartedAt is null))
        {
            return "Pending";
        }

        if (runtime.Containers.Any(c => !c.HasExited) || policy == "Always")
        {
            return "Running";
        }

        if (runtime.Containers.All(c => c.Run!.ExitCode == 0))
        {
            return "Succeeded";
        }

        return policy == "Never" ? "Failed" : "Running";
    }

    private static JsonObject Container(ContainerState container, JsonNode? previousStatuses, string waitingReason)
    {
        var previous = previousStatuses?.AsArray().FirstOrDefault(s => (string?)s?["name"] == container.Name);
        var status = new JsonObject
        {
            ["name"] = container.Name,
            ["image"] = (string?)container.Spec["image"],
            ["imageID"] = (string?)container.Spec["image"],
            ["restartCount"] = container.RestartCount,
            ["ready"] = container.IsReady,
            ["started"] = container.IsRunning && (container.Startup?.Passing ?? true),
        };
        if (container.Run is { } run)
        {
            status["containerID"] = run.Id;
        }

        var waitingForBackoff = container.HasExited && container.BackoffUntil is not null;
        if (container.StartError is { } error)
        {
            status["state"] = Waiting(error.Reason, error.Message);
        }
        else if (container.Run is { StartedAt: { } startedAt, FinishedAt: null })
        {
            status["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Format(startedAt) } };
        }
        else if (container.Run is { FinishedAt: not null } ended && !waitingForBackoff)
        {
            status["state"] = Terminated(ended, container.KilledBecause);
        }
        else if (waitingForBackoff)
        {
            status["state"] = Waiting("CrashLoopBackOff", $"back-off {Seconds(container.Backoff)} restarting failed container={container.Name}");
            status["lastState"] = Terminated(container.Run!, container.KilledBecause);
        }
        else
        {
            status["state"] = Waiting(waitingReason, null);
        }

        if (status["lastState"] is null && container.Previous is { FinishedAt: not null } last)
        {
            status["lastState"] = Terminated(last, container.PreviousKilledBecause);
        }

        status["lastState"] ??= previous?["lastState"]?.DeepClone() ?? new JsonObject();
        return status;
    }

    private static JsonObject Waiting(string reason, string? message)
    {
        var waiting = new JsonObject { ["reason"] = reason };
        if (message is not null)
        {
            waiting["message"] = message;
        }

        return new JsonObject { ["waiting"] = waiting };
    }

    private static JsonObject Terminated(IContainerRun run, string? killedBecause)
    {
        var terminated = new JsonObject
        {
            ["exitCode"] = run.ExitCode ?? 0,
            ["reason"] = run.ExitCode == 0 ? "Completed" : "Error",
            ["startedAt"] = run.StartedAt is { } started ? Format(started) : null,
            ["finishedAt"] = run.FinishedAt is { } finished ? Format(finished) : null,
            ["containerID"] = run.Id,
        };
        if (killedBecause is not null)
        {
            terminated["message"] = killedBecause;
        }

        return new JsonObject { ["terminated"] = terminated };
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalSeconds}s")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMilliseconds}ms");

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
