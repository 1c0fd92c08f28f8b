using System.Net;
using System.Text.Json.Nodes;
using MoeOperator.Runtime.Client;

namespace MoeOperator.Runtime.Tests.Client;

/// <summary>The one status writer, against the dev API server's status subresource (of a pod, which every server has).</summary>
public sealed class StatusWriterTests : IAsyncLifetime
{
    private const string Ns = "status";
    private const string PodPath = $"/api/v1/namespaces/{Ns}/pods/p";
    private DevClusterSession _session = null!;
    private KubernetesJsonClient _api = null!;

    public async Task InitializeAsync()
    {
        _session = await DevClusterSession.StartAsync(Ns);
        _api = new KubernetesJsonClient(_session.Client);
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "p" },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "i" }), ["nodeName"] = "nowhere" },
        };
        (await _api.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{Ns}/pods", pod)).Status.ShouldBe(HttpStatusCode.Created);
    }

    public async Task DisposeAsync() => await _session.DisposeAsync();

    private async Task<JsonObject> ReadAsync() => (await _api.SendAsync(HttpMethod.Get, PodPath)).Body!.AsObject();

    [Fact]
    public async Task AStatusWrite_RemovesWhatTheNewStatusDropped_WritesNothingWhenUnchanged_AndLosesToANewerObject()
    {
        var writer = new StatusWriter(_api);
        var read = await ReadAsync();
        var status = read["status"]?.DeepClone().AsObject() ?? [];
        status["message"] = "first failure";
        status["reason"] = "Testing";
        (await writer.WriteAsync(PodPath, read, status, CancellationToken.None)).ShouldBeTrue();

        read = await ReadAsync();
        ((string?)read["status"]!["message"]).ShouldBe("first failure");
        var version = (string?)read["metadata"]!["resourceVersion"];
        (await writer.WriteAsync(PodPath, read, read["status"]!.DeepClone().AsObject(), CancellationToken.None)).ShouldBeFalse("an unchanged status is no request");
        ((string?)(await ReadAsync())["metadata"]!["resourceVersion"]).ShouldBe(version);

        var cleared = read["status"]!.DeepClone().AsObject();
        cleared.Remove("message");
        (await writer.WriteAsync(PodPath, read, cleared, CancellationToken.None)).ShouldBeTrue();
        var after = await ReadAsync();
        after["status"]!["message"].ShouldBeNull("a member the new status no longer has is deleted, not kept by the merge");
        ((string?)after["status"]!["reason"]).ShouldBe("Testing");

        // `read` is now stale: its write is refused with 409 rather than overwriting the newer status.
        var stale = read["status"]!.DeepClone().AsObject();
        stale["reason"] = "Stale";
        var conflict = await Should.ThrowAsync<ApiRequestException>(() => writer.WriteAsync(PodPath, read, stale, CancellationToken.None));
        conflict.Status.ShouldBe(HttpStatusCode.Conflict);
    }
}
