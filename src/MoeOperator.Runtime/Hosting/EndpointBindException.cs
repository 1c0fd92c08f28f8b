using System.Net;

namespace MoeOperator.Runtime.Hosting;

/// <summary>An HTTP endpoint of the operator could not listen (the port is taken, or not ours to bind).</summary>
public sealed class EndpointBindException(string endpoint, IPEndPoint address, Exception inner)
    : IOException($"cannot listen on {address} for {endpoint}: {Reason(inner)}", inner)
{
    /// <summary>"metrics" or "probes".</summary>
    public string Endpoint { get; } = endpoint;

    public IPEndPoint Address { get; } = address;

    /// <summary>Why, in a few words: "address already in use", "permission denied".</summary>
    public static string Reason(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is System.Net.Sockets.SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    System.Net.Sockets.SocketError.AddressAlreadyInUse => "address already in use",
                    System.Net.Sockets.SocketError.AccessDenied => "permission denied",
                    System.Net.Sockets.SocketError.AddressNotAvailable => "no such address on this machine",
                    _ => socket.Message,
                };
            }
        }

        return error?.Message ?? "unknown error";
    }

    /// <summary>Whether <paramref name="error"/> is a failure to bind a listening socket.</summary>
    public static bool IsBindFailure(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse or System.Net.Sockets.SocketError.AccessDenied or System.Net.Sockets.SocketError.AddressNotAvailable })
            {
                return true;
            }
        }

        return false;
    }
}
