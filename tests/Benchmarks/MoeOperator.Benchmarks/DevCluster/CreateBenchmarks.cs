using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;

namespace MoeOperator.Benchmarks.DevCluster;

/// <summary>Creating objects: over HTTPS through the dev API server against storing the same JSON in a dictionary.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class CreateBenchmarks
{
    private const int Batch = 200;
    private ApiServerSession _session = null!;
    private int _round;

    [GlobalSetup]
    public async Task SetupAsync() => _session = await ApiServerSession.StartAsync();

    [GlobalCleanup]
    public async Task CleanupAsync() => await _session.DisposeAsync();

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public int DictionaryInsert()
    {
        // The same work a store must do at minimum: copy the document and index it by key.
        var store = new Dictionary<string, JsonObject>();
        for (var i = 0; i < Batch; i++)
        {
            var obj = ApiServerSession.ConfigMap($"c{i}");
            store[$"default/c{i}"] = JsonNode.Parse(obj.ToJsonString())!.AsObject();
        }

        return store.Count;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task ApiServerCreate()
    {
        var round = Interlocked.Increment(ref _round);
        var ns = $"bench-{round}";
        await _session.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } });
        // Eight concurrent clients, as a controller's workers and informers would be.
        await Parallel.ForEachAsync(Enumerable.Range(0, Batch), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => await _session.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ApiServerSession.ConfigMap($"c{i}")));
    }
}
