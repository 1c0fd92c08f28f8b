using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using MoeOperator.Runtime.Informers;

namespace MoeOperator.Benchmarks.Runtime;

/// <summary>
/// What a steady-state reconcile reads from the pod cache (its group's pods by owner and by label, its namespace),
/// with 1,000 and 10,000 unrelated pods in the cluster, against a scan of every pod (the cost before the indexes).
/// The indexed lookups should cost the same at both sizes; the scan grows with the cluster.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class CacheLookupBenchmarks
{
    private const string Group = "group-uid";
    private ObjectCache _pods = null!;

    [Params(1_000, 10_000)]
    public int UnrelatedPods { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pods = new ObjectCache();
        for (var i = 0; i < UnrelatedPods; i++)
        {
            _pods.Upsert(Pod($"team-{i % 50}", $"other-{i}", $"owner-{i % 500}", $"g{i % 500}"));
        }

        _pods.Upsert(Pod("mine", "ep-0", Group, "ep"));
        _pods.Upsert(Pod("mine", "ep-1", Group, "ep"));
    }

    [Benchmark(Baseline = true)]
    public int ScanEveryPod() => _pods.Select(p => (string?)p["metadata"]!["ownerReferences"]![0]!["uid"] == Group).Count(mine => mine);

    [Benchmark]
    public int ByOwner() => _pods.ByOwner(Group).Count;

    [Benchmark]
    public int ByLabel() => _pods.ByLabel("moe.dev/epgroup", "ep").Count;

    [Benchmark]
    public int ListNamespace() => _pods.List("mine").Count;

    private static JsonObject Pod(string ns, string name, string owner, string group) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["namespace"] = ns,
            ["name"] = name,
            ["labels"] = new JsonObject { ["moe.dev/epgroup"] = group, ["app"] = "worker" },
            ["ownerReferences"] = new JsonArray(new JsonObject { ["uid"] = owner, ["kind"] = "EPGroup", ["name"] = group }),
        },
        ["spec"] = new JsonObject { ["nodeName"] = $"node-{name.Length}", ["containers"] = new JsonArray(new JsonObject { ["name"] = "w", ["image"] = "x" }) },
        ["status"] = new JsonObject { ["phase"] = "Running" },
    };
}
