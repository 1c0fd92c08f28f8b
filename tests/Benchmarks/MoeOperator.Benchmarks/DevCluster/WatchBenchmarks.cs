using System.Text.Json.Nodes;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;

namespace MoeOperator.Benchmarks.DevCluster;

/// <summary>
/// Watch delivery with 100 watchers: the time from one create until every watcher has read its event, through
/// the dev API server's HTTPS watch streams against 100 in-memory channels fed by the same writer.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class WatchBenchmarks
{
    private const int Watchers = 100;
    private ApiServerSession _session = null!;
    private readonly List<StreamReader> _streams = [];
    private readonly List<Channel<JsonObject>> _channels = [];
    private int _sequence;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _session = await ApiServerSession.StartAsync();
        await _session.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "watch" } });
        var revision = (string)JsonNode.Parse(await _session.Http.GetStringAsync("/api/v1/namespaces/watch/configmaps"))!["metadata"]!["resourceVersion"]!;
        for (var i = 0; i < Watchers; i++)
        {
            var response = await _session.Http.GetAsync($"/api/v1/namespaces/watch/configmaps?watch=true&resourceVersion={revision}", HttpCompletionOption.ResponseHeadersRead);
            _streams.Add(new StreamReader(await response.Content.ReadAsStreamAsync()));
            _channels.Add(Channel.CreateUnbounded<JsonObject>());
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        foreach (var stream in _streams)
        {
            stream.Dispose();
        }

        await _session.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    public async Task ChannelBroadcast()
    {
        var obj = ApiServerSession.ConfigMap($"c{Interlocked.Increment(ref _sequence)}");
        foreach (var channel in _channels)
        {
            channel.Writer.TryWrite(JsonNode.Parse(obj.ToJsonString())!.AsObject());
        }

        await Task.WhenAll(_channels.Select(c => c.Reader.ReadAsync().AsTask()));
    }

    [Benchmark]
    public async Task ApiServerWatch()
    {
        var reads = _streams.Select(s => s.ReadLineAsync()).ToList();
        await _session.PostAsync("/api/v1/namespaces/watch/configmaps", ApiServerSession.ConfigMap($"w{Interlocked.Increment(ref _sequence)}"));
        await Task.WhenAll(reads);
    }
}
