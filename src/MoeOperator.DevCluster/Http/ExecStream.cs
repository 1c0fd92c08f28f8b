using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Http;

/// <summary>
/// pods/exec over WebSocket as kubectl 1.35 speaks it (v5.channel.k8s.io, or v4): every binary message starts with
/// its channel (0 stdin, 1 stdout, 2 stderr, 3 the closing metav1.Status, 4 terminal resizes); v5 adds 255, the
/// client's "stdin is done", which kubectl cp needs so that tar in the pod sees the end of its input. The status
/// carries the exit code as kubectl reads it (NonZeroExitCode with an ExitCode cause).
/// </summary>
internal static class ExecStream
{
    private const string V5 = "v5.channel.k8s.io";
    private const string V4 = "v4.channel.k8s.io";
    private const byte Stdin = 0;
    private const byte Stdout = 1;
    private const byte Stderr = 2;
    private const byte Error = 3;
    private const byte CloseSignal = 255;

    public static async Task ServeAsync(HttpContext context, IPodExec exec, string ns, string pod)
    {
        var query = context.Request.Query;
        var command = query["command"].Select(c => c ?? "").ToList();
        if (command.Count == 0)
        {
            throw ApiException.BadRequest("you must specify at least 1 command");
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            throw ApiException.BadRequest("pods/exec is served over WebSocket (v5.channel.k8s.io, v4.channel.k8s.io); this server does not speak SPDY");
        }

        var protocol = Subprotocol(context);
        var container = query["container"].ToString() is { Length: > 0 } c ? c : null;
        using var process = exec.Exec(ns, pod, container, command);
        if (query["stdin"] != "true" && query["stdin"] != "1")
        {
            process.StandardInput.Close();
        }

        try
        {
            await StreamAsync(context, process, protocol, command);
        }
        finally
        {
            // A client that hangs up mid-command (Ctrl-C on kubectl exec) leaves nothing running in the pod.
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The channel protocol to answer a WebSocket request with: v5 when offered, else v4; 400 otherwise.</summary>
    internal static string Subprotocol(HttpContext context)
    {
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        return offered.Contains(V5) ? V5 : offered.Contains(V4) ? V4
            : throw ApiException.BadRequest($"none of the offered subprotocols ({string.Join(", ", offered)}) is served; use {V5} or {V4}");
    }

    private static async Task StreamAsync(HttpContext context, Process process, string protocol, IReadOnlyList<string> command)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol);
        using var sending = new SemaphoreSlim(1, 1);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var input = PumpStdinAsync(socket, process, done.Token);
        await Task.WhenAll(
            PumpAsync(socket, sending, Stdout, process.StandardOutput.BaseStream, done.Token),
            PumpAsync(socket, sending, Stderr, process.StandardError.BaseStream, done.Token));
        await process.WaitForExitAsync(done.Token);
        await SendAsync(socket, sending, Error, System.Text.Encoding.UTF8.GetBytes(Status(command, process.ExitCode).ToJsonString()), done.Token);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", done.Token);

        // The client answers the close once it has read everything; cancelling the receive before that would reset
        // the connection and lose the status still in flight to it. kubectl answers at once; KubernetesClient only
        // when its stream is disposed, hence the bound.
        await Task.WhenAny(input, Task.Delay(TimeSpan.FromSeconds(5), done.Token));
        await done.CancelAsync();
        try
        {
            await input;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The client hung up once it had the status, as kubectl does.
        }
    }

    private static JsonObject Status(IReadOnlyList<string> command, int exitCode) => exitCode == 0
        ? new JsonObject { ["metadata"] = new JsonObject(), ["status"] = "Success" }
        : new JsonObject
        {
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = $"command terminated with non-zero exit code: error executing command [{string.Join(" ", command)}], exit code {exitCode}",
            ["reason"] = "NonZeroExitCode",
            ["details"] = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) }) },
        };

    private static async Task PumpAsync(WebSocket socket, SemaphoreSlim sending, byte channel, Stream from, CancellationToken token)
    {
        var buffer = new byte[32 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer.AsMemory(1, buffer.Length - 1), token)) > 0)
        {
            buffer[0] = channel;
            await SendAsync(socket, sending, buffer.AsMemory(0, read + 1), token);
        }
    }

    /// <summary>Sends one message on a channel.</summary>
    internal static Task SendAsync(WebSocket socket, SemaphoreSlim sending, byte channel, byte[] data, CancellationToken token) =>
        SendAsync(socket, sending, (byte[])[channel, .. data], token);

    private static async Task SendAsync(WebSocket socket, SemaphoreSlim sending, ReadOnlyMemory<byte> message, CancellationToken token)
    {
        await sending.WaitAsync(token);
        try
        {
            await socket.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, token);
        }
        finally
        {
            sending.Release();
        }
    }

    // Channel 0 into the process's stdin until the client closes it (v5's close signal) or the stream ends.
    private static async Task PumpStdinAsync(WebSocket socket, Process process, CancellationToken token)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (socket.State == WebSocketState.Open)
        {
            message.SetLength(0);
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(), token);
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            var bytes = message.GetBuffer().AsMemory(0, (int)message.Length);
            if (bytes.Length == 0)
            {
                continue;
            }

            if (bytes.Span[0] == Stdin && bytes.Length > 1 && process.StandardInput.BaseStream.CanWrite)
            {
                await process.StandardInput.BaseStream.WriteAsync(bytes[1..], token);
                await process.StandardInput.BaseStream.FlushAsync(token);
            }
            else if (bytes.Span[0] == CloseSignal && bytes.Length > 1 && bytes.Span[1] == Stdin)
            {
                process.StandardInput.Close();
            }
        }
    }
}
