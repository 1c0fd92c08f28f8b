using System.Globalization;
using System.Text;

namespace MoeOperator.Benchmarks.Scale;

/// <summary>What one scale run reached and measured. Times are from the first create; null when never reached.</summary>
public sealed record ScaleReport
{
    public required ScaleOptions Options { get; init; }

    public double? AllPodsCreatedSeconds { get; init; }

    public double? AllReadySeconds { get; init; }

    public int GroupsRunning { get; init; }

    public int PodsCreated { get; init; }

    public int PodsReady { get; init; }

    /// <summary>Nodes whose bound, active pods request more GPUs than the node has.</summary>
    public int OverCommittedNodes { get; init; }

    /// <summary>The operator's API requests during the run, by method (list and watch are GET).</summary>
    public required IReadOnlyDictionary<string, double> Requests { get; init; }

    /// <summary>Objects the operator creates per group: its pods, its Service and its expert-map ConfigMap.</summary>
    public int ChildObjects => Options.Pods + (2 * Options.Groups);

    public double RequestsPerChild => Requests.Values.Sum() / ChildObjects;

    /// <summary>Writes (anything but GET) a freshly started operator made while reconciling every settled group once.</summary>
    public double? ResyncWrites { get; init; }

    public int ResyncReconciles { get; init; }

    public long OperatorPeakResidentBytes { get; init; }

    public double? ReconcileP50Seconds { get; init; }

    public double? ReconcileP99Seconds { get; init; }

    public double Reconciles { get; init; }

    public double ReconcileErrors { get; init; }

    /// <summary>The EPGroup work queue's depth, sampled once a second: (seconds since the first create, depth).</summary>
    public required IReadOnlyList<(double Seconds, double Depth)> QueueDepth { get; init; }

    public bool Converged => AllReadySeconds is not null && OverCommittedNodes == 0;

    public string ToMarkdown()
    {
        static string Seconds(double? s) => s is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) + " s" : "not reached";
        static string Ms(double? s) => s is { } v ? (v * 1000).ToString("0.#", CultureInfo.InvariantCulture) + " ms" : "n/a";
        var o = Options;
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"| {o.Groups} EPGroups x {o.PodsPerGroup} pods ({o.Pods} pods) on {o.Nodes} nodes x {o.GpusPerNode} GPUs, --kube-api-qps {o.KubeApiQps} | |")
            .AppendLine("|---|---|")
            .AppendLine(CultureInfo.InvariantCulture, $"| every pod created | {Seconds(AllPodsCreatedSeconds)} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| every group Running, every pod Ready | {Seconds(AllReadySeconds)} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| groups Running / pods created / pods Ready at the end | {GroupsRunning} / {PodsCreated} / {PodsReady} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| nodes over their GPUs | {OverCommittedNodes} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| operator API requests per child object | {RequestsPerChild.ToString("0.00", CultureInfo.InvariantCulture)} ({string.Join(", ", Requests.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {r.Value}"))}; {ChildObjects} children) |")
            .AppendLine(CultureInfo.InvariantCulture, $"| writes by a restarted operator reconciling every settled group | {(ResyncWrites is { } w ? w.ToString(CultureInfo.InvariantCulture) : "not measured")} ({ResyncReconciles} reconciles) |")
            .AppendLine(CultureInfo.InvariantCulture, $"| operator peak memory (VmHWM) | {(OperatorPeakResidentBytes / (1024.0 * 1024)).ToString("0", CultureInfo.InvariantCulture)} MiB |")
            .AppendLine(CultureInfo.InvariantCulture, $"| reconcile latency p50 / p99 (from histogram buckets) | {Ms(ReconcileP50Seconds)} / {Ms(ReconcileP99Seconds)} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| reconciles (errors) | {Reconciles} ({ReconcileErrors}) |")
            .AppendLine(CultureInfo.InvariantCulture, $"| work-queue depth, max | {(QueueDepth.Count == 0 ? 0 : QueueDepth.Max(d => d.Depth))} |");
        text.AppendLine().Append("work-queue depth over time (s: depth): ")
            .AppendLine(string.Join(", ", QueueDepth.Where((_, i) => i % 5 == 0).Select(d => $"{d.Seconds.ToString("0", CultureInfo.InvariantCulture)}: {d.Depth}")));
        return text.ToString();
    }
}
