using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using MoeOperator.Runtime.Informers;

namespace MoeOperator.Runtime.Tests.Informers;

/// <summary>A scripted API server for one resource: a list the test sets, and watch streams the test feeds and closes.</summary>
internal sealed class FakeListWatchSource : IListWatchSource
{
    private Channel<WatchedEvent>? _stream;

    public List<JsonObject> Objects { get; } = [];

    public string ResourceVersion { get; set; } = "1";

    public int Lists { get; private set; }

    public ConcurrentQueue<string> WatchedFrom { get; } = new();

    public bool ExpireNextWatch { get; set; }

    public static JsonObject Object(string name, int resourceVersion) =>
        new() { ["metadata"] = new JsonObject { ["namespace"] = "ns", ["name"] = name, ["resourceVersion"] = resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) } };

    public Task<(IReadOnlyList<JsonObject> Items, string ResourceVersion)> ListAsync(CancellationToken cancellationToken)
    {
        Lists++;
        return Task.FromResult<(IReadOnlyList<JsonObject>, string)>(([.. Objects.Select(o => o.DeepClone().AsObject())], ResourceVersion));
    }

    public async IAsyncEnumerable<WatchedEvent> WatchAsync(string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        WatchedFrom.Enqueue(resourceVersion);
        if (ExpireNextWatch)
        {
            ExpireNextWatch = false;
            throw new ResourceExpiredException($"too old resource version: {resourceVersion}");
        }

        var stream = Channel.CreateUnbounded<WatchedEvent>();
        _stream = stream;
        await foreach (var watched in stream.Reader.ReadAllAsync(cancellationToken))
        {
            yield return watched;
        }
    }

    /// <summary>Sends an event on the open stream.</summary>
    public void Send(string type, JsonObject obj) => _stream!.Writer.TryWrite(new WatchedEvent(type, obj));

    /// <summary>Ends the open stream, as a server timeout or a dropped connection does.</summary>
    public void CloseStream() => _stream?.Writer.TryComplete();
}
