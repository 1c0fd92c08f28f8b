using System.Text.Json.Nodes;
using MoeOperator.DevCluster.Hosting;

namespace MoeOperator.Tests.Reliability;

/// <summary>
/// Bounded, seeded chaos on a dev cluster: each step picks one fault (kill the operator leader, a worker or a 3FS
/// storage daemon; take a node down for a while; drop every watch; compact the history so watches answer 410 Gone;
/// a burst of 409, 429 or 500 answers; API latency). Bounded like a PodDisruptionBudget: at most one node down,
/// and a storage daemon (or a node) is taken only while every 3FS target serves by the simulator's own state and
/// by the cluster's status, every storage pod runs, and the last such disruption is 15 s past (longer than the
/// simulator's heartbeat timeout), so no chain can lose its last replica to the chaos itself. Every step is
/// logged with its time, so a failure shows what led to it, and the seed repeats it.
/// </summary>
internal sealed class ChaosMonkey(LocalCluster cluster, OperatorPair operators, string ns, int seed, Func<bool> everyTargetServes)
{
    private static readonly TimeSpan _storageQuiet = TimeSpan.FromSeconds(15);
    private DateTimeOffset _lastStorageDisruption = DateTimeOffset.MinValue;

    private readonly Random _random = new(seed);
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private string? _downNode;
    private DateTimeOffset _nodeBackAt;

    /// <summary>What was done, in order, with the seconds since the start.</summary>
    public List<string> Log { get; } = [];

    /// <summary>Per EPGroup, the disruptions that hit its pods (a killed rank, its node taken down).</summary>
    public Dictionary<string, int> GroupDisruptions { get; } = new(StringComparer.Ordinal);

    /// <summary>One step: a fault, then a pause of up to two seconds.</summary>
    public async Task StepAsync(Func<Task<JsonObject?>> threeFS, Func<Task<List<JsonObject>>> pods, CancellationToken cancellationToken)
    {
        foreach (var restarted in await operators.RestartExitedAsync())
        {
            Record($"operator {restarted} had exited (lost its lease); restarted");
        }

        if (_downNode is not null && DateTimeOffset.UtcNow >= _nodeBackAt)
        {
            cluster.BringNodeBack(_downNode);
            Record($"node {_downNode} back");
            _downNode = null;
        }

        switch (_random.Next(9))
        {
            case 0:
                Record($"killed the operator leader {await operators.KillLeaderAsync(cancellationToken)}");
                break;
            case 1 or 2:
                if (Pick(await pods(), "moe.dev/epgroup") is { } worker)
                {
                    cluster.KillContainer(ns, Name(worker));
                    Disrupted(worker);
                    Record($"killed worker {Name(worker)}");
                }

                break;
            case 3:
                if (await StorageMayBeDisruptedAsync(threeFS, pods) && Pick((await pods()).Where(IsStorageDaemon), "moe.dev/threefscluster") is { } storage)
                {
                    _lastStorageDisruption = DateTimeOffset.UtcNow;
                    cluster.KillContainer(ns, Name(storage));
                    Record($"killed 3FS storage {Name(storage)}");
                }

                break;
            case 4:
                if (_downNode is null && await StorageMayBeDisruptedAsync(threeFS, pods))
                {
                    _lastStorageDisruption = DateTimeOffset.UtcNow;
                    _downNode = $"dev-node-{_random.Next(4)}";
                    _nodeBackAt = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(3 + _random.Next(8));
                    foreach (var pod in (await pods()).Where(p => (string?)p["spec"]?["nodeName"] == _downNode))
                    {
                        Disrupted(pod);
                    }

                    cluster.TakeNodeDown(_downNode);
                    Record($"node {_downNode} down until +{(_nodeBackAt - _started).TotalSeconds:F0}s");
                }

                break;
            case 5:
                cluster.Server.Faults.CloseWatches();
                Record("closed every watch");
                break;
            case 6:
                cluster.Server.Faults.CompactHistory();
                cluster.Server.Faults.CloseWatches();
                Record("compacted the history and closed every watch (410 Gone on resume)");
                break;
            case 7:
                var code = new[] { 409, 429, 500 }[_random.Next(3)];
                var count = 3 + _random.Next(10);
                cluster.Server.Faults.FailNext("*", "*", code, count);
                Record($"the next {count} requests fail with {code}");
                break;
            default:
                cluster.Server.Faults.Latency = TimeSpan.FromMilliseconds(50 + _random.Next(250));
                Record($"API latency {cluster.Server.Faults.Latency.TotalMilliseconds:F0} ms");
                break;
        }

        await Task.Delay(TimeSpan.FromMilliseconds(500 + _random.Next(1500)), cancellationToken);
        if (cluster.Server.Faults.Latency > TimeSpan.Zero && _random.Next(2) == 0)
        {
            cluster.Server.Faults.Latency = TimeSpan.Zero;
        }
    }

    /// <summary>Ends the chaos: no injected failure or latency left, every node up.</summary>
    public void Stop()
    {
        cluster.Server.Faults.Clear();
        if (_downNode is not null)
        {
            cluster.BringNodeBack(_downNode);
            Record($"node {_downNode} back (chaos over)");
            _downNode = null;
        }
    }

    private static string Name(JsonObject obj) => (string)obj["metadata"]!["name"]!;

    // A storage daemon's pod (not a bootstrap Job's pod, whose name may hold "storage" too).
    private static bool IsStorageDaemon(JsonObject pod) => (string?)pod["metadata"]?["labels"]?["moe.dev/component"] == "storage";

    private JsonObject? Pick(IEnumerable<JsonObject> pods, string label)
    {
        var candidates = pods.Where(p => p["metadata"]?["labels"]?[label] is not null && (string?)p["status"]?["phase"] == "Running").ToList();
        return candidates.Count == 0 ? null : candidates[_random.Next(candidates.Count)];
    }

    private void Disrupted(JsonObject pod)
    {
        if ((string?)pod["metadata"]?["labels"]?["moe.dev/epgroup"] is { } group)
        {
            GroupDisruptions[group] = GroupDisruptions.GetValueOrDefault(group) + 1;
        }
    }

    private async Task<bool> StorageMayBeDisruptedAsync(Func<Task<JsonObject?>> threeFS, Func<Task<List<JsonObject>>> pods)
    {
        if (DateTimeOffset.UtcNow - _lastStorageDisruption < _storageQuiet || !everyTargetServes())
        {
            return false;
        }

        var status = (await threeFS())?["status"];
        var storage = (await pods()).Where(IsStorageDaemon).ToList();
        return (string?)status?["phase"] == "Ready" && (int?)status?["chains"]?["serving"] is > 0 && (int?)status?["chains"]?["serving"] == (int?)status?["chains"]?["total"]
            && storage.Count > 0 && storage.All(p => (string?)p["status"]?["phase"] == "Running" && p["status"]?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True") == true);
    }

    private void Record(string what) => Log.Add($"+{(DateTimeOffset.UtcNow - _started).TotalSeconds:F1}s {what}");
}
