using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;

namespace MoeOperator.Benchmarks.DevCluster;

/// <summary>Listing 10,000 objects: a full GET through the dev API server against serialising the same list from a dictionary.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class ListBenchmarks
{
    private const int Objects = 10_000;
    private ApiServerSession _session = null!;
    private Dictionary<string, JsonObject> _dictionary = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _session = await ApiServerSession.StartAsync();
        await _session.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "list" } });
        await Parallel.ForEachAsync(Enumerable.Range(0, Objects), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => await _session.PostAsync("/api/v1/namespaces/list/configmaps", ApiServerSession.ConfigMap($"c{i:D5}")));
        _dictionary = Enumerable.Range(0, Objects).ToDictionary(i => $"list/c{i:D5}", i => ApiServerSession.ConfigMap($"c{i:D5}"));
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _session.DisposeAsync();

    [Benchmark(Baseline = true)]
    public int DictionaryList()
    {
        var list = new JsonObject { ["kind"] = "ConfigMapList", ["items"] = new JsonArray([.. _dictionary.Values.Select(v => (JsonNode)v.DeepClone())]) };
        return list.ToJsonString().Length;
    }

    [Benchmark]
    public async Task<int> ApiServerList()
    {
        var text = await _session.Http.GetStringAsync("/api/v1/namespaces/list/configmaps");
        return text.Length;
    }
}
