using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using MoeOperator.DevCluster.Semantics;

namespace MoeOperator.DevCluster.Http.PortForward;

/// <summary>
/// pods/portforward (<c>kubectl port-forward</c>): SPDY/3.1 with the <c>portforward.k8s.io</c> stream protocol,
/// either tunneled through a WebSocket (subprotocol <c>SPDY/3.1+portforward.k8s.io</c>, what kubectl 1.31 and later
/// try first) or over a plain HTTP/1.1 upgrade (<c>Upgrade: SPDY/3.1</c>, their fallback and older kubectls' only
/// way). Connections go to the pod's IP, which must be running.
/// </summary>
internal static class PortForwardEndpoint
{
    private const string StreamProtocol = "portforward.k8s.io";
    private const string Spdy = "SPDY/3.1";
    private const string TunneledSpdy = Spdy + "+" + StreamProtocol;

    public static async Task ServeAsync(HttpContext context, ResourceService service, string ns, string podName)
    {
        var pod = service.Get(service.Catalog.Find("", "v1", "pods")!, ns, podName);
        var phase = (string?)pod["status"]?["phase"];
        if (phase != "Running" || (string?)pod["status"]?["podIP"] is not { Length: > 0 } ip)
        {
            throw ApiException.BadRequest($"unable to forward port because pod is not running. Current status={phase ?? "Pending"}");
        }

        var target = new PodTarget(podName, (string?)pod["metadata"]?["uid"] ?? "", ip);
        var token = context.RequestAborted;
        if (context.WebSockets.IsWebSocketRequest)
        {
            if (!context.WebSockets.WebSocketRequestedProtocols.Contains(TunneledSpdy))
            {
                throw ApiException.BadRequest($"none of the offered subprotocols ({string.Join(", ", context.WebSockets.WebSocketRequestedProtocols)}) is served for port-forwarding; use {TunneledSpdy}, or SPDY/3.1 over an HTTP upgrade");
            }

            // .NET refuses a subprotocol with a '/' (not an RFC 6455 token), so the answer names it directly.
            context.Response.Headers.SecWebSocketProtocol = TunneledSpdy;
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await using var tunnel = new WebSocketByteStream(socket);
            await RunAsync(tunnel, target, token);
            if (socket.State == WebSocketState.Open)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
            }

            return;
        }

        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var offered = context.Request.Headers["X-Stream-Protocol-Version"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries)).ToList();
        if (upgrade is not { IsUpgradableRequest: true } || !string.Equals(context.Request.Headers.Upgrade, Spdy, StringComparison.OrdinalIgnoreCase))
        {
            throw ApiException.BadRequest($"pods/portforward is served over an upgraded connection: {Spdy} (Upgrade header), or a WebSocket with subprotocol {TunneledSpdy}");
        }

        if (offered.Count > 0 && !offered.Contains(StreamProtocol))
        {
            throw new ApiException(403, "Forbidden", $"unable to upgrade: unable to negotiate protocol: client supports [{string.Join(" ", offered)}], server supports [{StreamProtocol}]");
        }

        context.Response.Headers.Upgrade = Spdy;
        context.Response.Headers["X-Stream-Protocol-Version"] = StreamProtocol;
        await using var connection = await upgrade.UpgradeAsync();
        await RunAsync(connection, target, token);
    }

    private static async Task RunAsync(Stream transport, PodTarget target, CancellationToken token)
    {
        using var session = new SpdySession(transport);
        var forwarder = new PodPortForwarder(session, target, token);
        await session.RunAsync(forwarder.OnStreamAsync, token);
    }
}
