using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Tests.Integration;

/// <summary>A raw watch stream: events as they arrive, read with a deadline so a test never hangs.</summary>
public sealed class WatchReader : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private Task<string?>? _pending;

    private WatchReader(HttpClient http, HttpResponseMessage response, StreamReader reader)
    {
        _http = http;
        _response = response;
        _reader = reader;
    }

    public static async Task<WatchReader> OpenAsync(DevServer dev, string pathAndQuery)
    {
        var http = dev.NewHttpClient(dev.Server.Token);
        http.Timeout = Timeout.InfiniteTimeSpan;
        var response = await http.GetAsync(pathAndQuery, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        return new WatchReader(http, response, reader);
    }

    /// <summary>The next event, or null when the server ended the stream; fails with TimeoutException after <paramref name="timeout"/>.</summary>
    /// <remarks>A read that times out stays pending for the next call: cancelling it would abort the connection.</remarks>
    public async Task<JsonNode?> NextAsync(TimeSpan? timeout = null)
    {
        _pending ??= _reader.ReadLineAsync();
        var line = await _pending.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
        _pending = null;
        return line is null ? null : JsonNode.Parse(line);
    }

    /// <summary>Events until one satisfies <paramref name="done"/> (included), skipping bookmarks unless asked for.</summary>
    public async Task<List<JsonNode>> UntilAsync(Func<JsonNode, bool> done, bool includeBookmarks = false, TimeSpan? timeout = null)
    {
        var events = new List<JsonNode>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var item = await NextAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero) ?? throw new InvalidOperationException($"stream ended after {events.Count} events");
            if (includeBookmarks || (string?)item["type"] != "BOOKMARK")
            {
                events.Add(item);
            }

            if (done(item))
            {
                return events;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
