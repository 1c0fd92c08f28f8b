using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Http;

/// <summary>
/// pods/attach over WebSocket (<c>kubectl attach</c>): the running container's output from the moment of attaching,
/// on the same channels as exec (1 stdout; the container's stdout and stderr share one log here), until the
/// container stops, then a Success status on channel 3. Containers run without a stdin pipe, so attaching stdin
/// (<c>-i</c>) is refused with 400 rather than accepted and ignored.
/// </summary>
internal static class AttachStream
{
    private const byte Stdout = 1;
    private const byte Error = 3;

    public static async Task ServeAsync(HttpContext context, ResourceService service, LogFollower follower, string ns, string podName)
    {
        var query = context.Request.Query;
        if (!context.WebSockets.IsWebSocketRequest)
        {
            throw ApiException.BadRequest("pods/attach is served over WebSocket (v5.channel.k8s.io, v4.channel.k8s.io); this server does not speak SPDY");
        }

        if (query["stdin"] is { Count: > 0 } stdin && stdin.ToString() is "true" or "1")
        {
            throw ApiException.BadRequest("attaching to a container's stdin is not served: the dev cluster's containers run without a stdin pipe; attach without -i, or use kubectl exec -i");
        }

        var pod = service.Get(service.Catalog.Find("", "v1", "pods")!, ns, podName);
        var container = query["container"].ToString() is { Length: > 0 } named ? named : (string?)pod["spec"]?["containers"]?[0]?["name"] ?? "";
        if (pod["spec"]?["containers"]?.AsArray().Any(c => (string?)c?["name"] == container) != true)
        {
            throw ApiException.BadRequest($"container {container} is not valid for pod {podName}");
        }

        var (log, running) = follower.Now(ns, podName, container);
        if (!running || log is null)
        {
            throw ApiException.BadRequest($"container {container} in pod {podName} is not running");
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(ExecStream.Subprotocol(context));
        using var sending = new SemaphoreSlim(1, 1);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var hangup = WaitForCloseAsync(socket, done);
        try
        {
            await follower.FollowAsync(ns, podName, container, log.Length, text => ExecStream.SendAsync(socket, sending, Stdout, Encoding.UTF8.GetBytes(text), done.Token), done.Token);
            if (done.IsCancellationRequested)
            {
                return;
            }

            var status = new JsonObject { ["metadata"] = new JsonObject(), ["status"] = "Success" };
            await ExecStream.SendAsync(socket, sending, Error, Encoding.UTF8.GetBytes(status.ToJsonString()), done.Token);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", done.Token);
            await Task.WhenAny(hangup, Task.Delay(TimeSpan.FromSeconds(5), done.Token));
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The client detached (Ctrl-C on kubectl attach) or went; the container runs on.
        }
        finally
        {
            await done.CancelAsync();
            await hangup;
        }
    }

    // Reads (and drops) what the client sends until it closes or goes; its going ends the attach.
    private static async Task WaitForCloseAsync(WebSocket socket, CancellationTokenSource done)
    {
        var buffer = new byte[4096];
        try
        {
            while (socket.State == WebSocketState.Open && (await socket.ReceiveAsync(buffer.AsMemory(), done.Token)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The client hung up.
        }

        await done.CancelAsync();
    }
}
