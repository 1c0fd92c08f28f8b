using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MoeOperator.Controllers.ThreeFSClusters;

namespace MoeOperator.Cli.Top;

/// <summary>
/// The terminal view of <c>moe top</c> (pure): one table per kind with the numbers the chart's dashboards show,
/// from the resources' status and the workers' /metrics.
/// </summary>
internal static class TopView
{
    public static string Render(TopSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var text = new StringBuilder();
        Section(text, "EP GROUPS", ["NAMESPACE", "NAME", "PHASE", "READY", "TOKENS/S", "DISPATCH P50/P99", "COMBINE P50/P99", "IMBALANCE MEASURED/EXPECTED", "MAP", "RESTARTS"],
            [.. snapshot.Groups.Select(g => GroupRow(g, snapshot.Workers.GetValueOrDefault(TopSnapshot.Key(g))))]);
        Section(text, "3FS CLUSTERS", ["NAMESPACE", "NAME", "PHASE", "BOOTSTRAP", "CHAINS SERVING", "TARGETS", "DAEMONS READY", "FOUNDATIONDB", "IN PROGRESS"],
            [.. snapshot.Clusters.Select(ClusterRow)]);
        Section(text, "TRAINING JOBS", ["NAMESPACE", "NAME", "PHASE", "STEP", "LOSS", "TOKENS/S", "BUBBLE MEASURED/EXPECTED", "CHECKPOINT", "RESTARTS", "SAMPLES"],
            [.. snapshot.Jobs.Select(JobRow)]);
        return text.ToString();
    }

    private static void Section(StringBuilder text, string title, IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        text.AppendLine(title);
        text.Append(rows.Count == 0 ? "  (none)\n" : TextTable.Render(headers, rows));
        text.AppendLine();
    }

    private static string[] GroupRow(JsonObject group, GroupWorkers? workers)
    {
        var status = group["status"];
        var map = status?["expertMap"];
        var samples = workers?.Samples ?? [];
        var read = workers is { PodsRead: > 0 };
        return
        [
            Namespace(group), Name(group),
            (string?)status?["phase"] ?? "Pending",
            $"{(int?)status?["readyRanks"] ?? 0}/{(int?)group["spec"]?["ranks"] ?? 0}",
            read ? ExpositionSamples.Sum(samples, "moe_worker_tokens_per_second").ToString("N0", CultureInfo.InvariantCulture) : "-",
            read ? Latency(samples, "moe_worker_dispatch_seconds") : "-",
            read ? Latency(samples, "moe_worker_combine_seconds") : "-",
            $"{Number((double?)map?["measuredImbalance"])}/{Number((double?)map?["imbalanceAfter"])}",
            map?["version"] is { } version ? $"v{version}" : "-",
            ((int?)status?["restarts"] ?? 0).ToString(CultureInfo.InvariantCulture),
        ];
    }

    private static string[] ClusterRow(JsonObject cluster)
    {
        var status = cluster["status"];
        var chains = status?["chains"];
        var targets = status?["targets"];
        var nodes = status?["nodes"];
        var (ready, desired) = (0, 0);
        foreach (var component in (string[])["mgmtd", "meta", "storage"])
        {
            ready += (int?)nodes?[component]?["ready"] ?? 0;
            desired += (int?)nodes?[component]?["desired"] ?? 0;
        }

        var unhealthy = new List<string>();
        if ((int?)chains?["degraded"] is > 0 and var degraded)
        {
            unhealthy.Add($"{degraded} degraded");
        }

        if ((int?)chains?["unavailable"] is > 0 and var unavailable)
        {
            unhealthy.Add($"{unavailable} unavailable");
        }

        var database = Condition(status, "FoundationDB");
        var inProgress = new[] { ("Upgrading", "upgrade"), ("StorageScaling", "scale-out") }
            .Select(c => (Condition: Condition(status, c.Item1), Label: c.Item2))
            .Where(c => (string?)c.Condition?["status"] == "True")
            .Select(c => $"{c.Label} ({c.Condition!["reason"]})")
            .ToList();
        return
        [
            Namespace(cluster), Name(cluster),
            (string?)status?["phase"] ?? "Pending",
            $"{status?["completedBootstrapSteps"]?.AsArray().Count ?? 0}/{ThreeFSBootstrap.Order.Count}",
            chains?["total"] is null ? "-" : $"{chains["serving"]}/{chains["total"]}" + (unhealthy.Count > 0 ? $" ({string.Join(", ", unhealthy)})" : ""),
            targets is null ? "-" : $"{targets["serving"] ?? 0} serving, {targets["offline"] ?? 0} offline",
            $"{ready}/{desired}",
            database is null ? "-" : (string?)database["status"] == "True" ? "available" : $"unavailable ({database["reason"]})",
            inProgress.Count == 0 ? "-" : string.Join(", ", inProgress),
        ];
    }

    private static string[] JobRow(JsonObject job)
    {
        var status = job["status"];
        var checkpoint = status?["lastVerifiedCheckpoint"];
        return
        [
            Namespace(job), Name(job),
            (string?)status?["phase"] ?? "Pending",
            status?["step"] is null ? "-" : $"{status["step"]}/{(long?)status["totalSteps"] ?? (long?)job["spec"]?["training"]?["steps"]}",
            Number((double?)status?["loss"]),
            ((double?)status?["tokensPerSecond"])?.ToString("N0", CultureInfo.InvariantCulture) ?? "-",
            $"{Number((double?)status?["measuredBubbleRatio"])}/{Number((double?)status?["expectedBubbleRatio"])}",
            checkpoint?["step"] is null ? "-" : $"step {checkpoint["step"]} ({Bytes((long?)checkpoint["sizeBytes"])}, {Number((double?)checkpoint["durationSeconds"], "0.0")} s)",
            ((int?)status?["restarts"] ?? 0).ToString(CultureInfo.InvariantCulture),
            ((long?)status?["samplesConsumed"])?.ToString("N0", CultureInfo.InvariantCulture) ?? "-",
        ];
    }

    // p50/p99 in milliseconds over every observation the ranks made since they started.
    private static string Latency(IReadOnlyList<ExpositionSample> samples, string histogram) =>
        ExpositionSamples.Quantile(samples, histogram, 0.5) is { } p50 && ExpositionSamples.Quantile(samples, histogram, 0.99) is { } p99
            ? $"{(p50 * 1000).ToString("0.00", CultureInfo.InvariantCulture)}/{(p99 * 1000).ToString("0.00", CultureInfo.InvariantCulture)} ms"
            : "-";

    private static JsonNode? Condition(JsonNode? status, string type) =>
        status?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type);

    private static string Namespace(JsonObject resource) => (string?)resource["metadata"]?["namespace"] ?? "";

    private static string Name(JsonObject resource) => (string?)resource["metadata"]?["name"] ?? "";

    private static string Number(double? value, string format = "0.000") => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";

    private static string Bytes(long? bytes) => bytes switch
    {
        null => "? B",
        >= 1 << 30 => $"{(bytes.Value / (double)(1 << 30)).ToString("0.0", CultureInfo.InvariantCulture)} GiB",
        >= 1 << 20 => $"{(bytes.Value / (double)(1 << 20)).ToString("0.0", CultureInfo.InvariantCulture)} MiB",
        >= 1 << 10 => $"{(bytes.Value / (double)(1 << 10)).ToString("0.0", CultureInfo.InvariantCulture)} KiB",
        _ => $"{bytes} B",
    };
}
