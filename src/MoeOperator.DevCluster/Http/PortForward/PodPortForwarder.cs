using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace MoeOperator.DevCluster.Http.PortForward;

/// <summary>
/// Port-forwarding over a SPDY session as the kubelet serves it: each forwarded connection arrives as two streams
/// sharing a <c>requestid</c>, an error stream (<c>streamtype: error</c>) and a data stream (<c>streamtype: data</c>),
/// both naming the pod's <c>port</c>. The data stream is joined to a TCP connection to the pod's IP and port; a
/// failure is written to the error stream as text, which kubectl prints. Both streams finish when the pod's side
/// of the connection ends, which is how kubectl knows the forwarded connection is over.
/// </summary>
internal sealed class PodPortForwarder(SpdySession session, PodTarget pod, CancellationToken token)
{
    private readonly Dictionary<string, (SpdyStream? Error, SpdyStream? Data)> _pending = [];
    private readonly Lock _gate = new();

    public async Task OnStreamAsync(SpdyStream stream)
    {
        var type = stream.Header("streamtype");
        var id = stream.Header("requestid") ?? stream.Header("port") ?? "";
        if (type is not ("error" or "data"))
        {
            await QuietlyAsync(() => session.ResetAsync(stream, token));
            return;
        }

        (SpdyStream? Error, SpdyStream? Data) pair;
        lock (_gate)
        {
            _pending.TryGetValue(id, out pair);
            pair = type == "error" ? pair with { Error = stream } : pair with { Data = stream };
            if (pair.Error is null || pair.Data is null)
            {
                _pending[id] = pair;
                return;
            }

            _pending.Remove(id);
        }

        await ForwardAsync(pair.Error, pair.Data);
    }

    private async Task ForwardAsync(SpdyStream error, SpdyStream data)
    {
        try
        {
            if (!int.TryParse(data.Header("port"), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new ForwardingException($"invalid port {data.Header("port") ?? "(none: the port header is required)"}: a port is a number from 1 to 65535");
            }

            using var connection = new TcpClient();
            try
            {
                await connection.ConnectAsync(pod.Ip, port, token);
            }
            catch (SocketException e)
            {
                throw new ForwardingException($"error forwarding port {port} to pod {pod.Name}, uid {pod.Uid}: failed to connect to {pod.Ip}:{port}: {e.Message}");
            }

            using var stopped = CancellationTokenSource.CreateLinkedTokenSource(token, data.Reset);
            var network = connection.GetStream();
            var upstream = ToPodAsync(data, connection, stopped.Token);
            await FromPodAsync(network, data, stopped.Token);
            await stopped.CancelAsync();
            await upstream;
        }
        catch (ForwardingException e)
        {
            await QuietlyAsync(() => error.WriteAsync(Encoding.UTF8.GetBytes(e.Message), token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // The client reset the streams or hung up; there is nobody left to tell.
        }
        finally
        {
            await QuietlyAsync(() => data.FinishAsync(token));
            await QuietlyAsync(() => error.FinishAsync(token));
        }
    }

    // The client's bytes to the pod; its FIN becomes a half-close, so the pod sees the end of the request.
    private static async Task ToPodAsync(SpdyStream data, TcpClient connection, CancellationToken token)
    {
        try
        {
            var network = connection.GetStream();
            while (await data.ReadAsync(token) is { } chunk)
            {
                await network.WriteAsync(chunk, token);
            }

            connection.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The pod closed the connection or the client reset the stream.
        }
    }

    private static async Task FromPodAsync(NetworkStream network, SpdyStream data, CancellationToken token)
    {
        var buffer = new byte[SpdyFrame.MaxData];
        int read;
        while ((read = await network.ReadAsync(buffer, token)) > 0)
        {
            await data.WriteAsync(buffer.AsMemory(0, read), token);
        }
    }

    // Writes to a client that may be gone already, with nobody left to tell if it is.
    private static async Task QuietlyAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is gone.
        }
    }

    private sealed class ForwardingException(string message) : Exception(message);
}

/// <summary>The pod a port-forward reaches: its IP, and its name and uid for error messages.</summary>
internal sealed record PodTarget(string Name, string Uid, string Ip);
