using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// One loopback address per pod (from 127.1.0.1 up; nodes use 127.0.x.y): every 127.x.y.z binds without setup on
/// Linux, so each pod has its own IP and ports never collide, as in a real pod network. An address is claimed by
/// holding a socket bound to its port <see cref="ClaimPort"/>, so dev clusters running side by side on one machine
/// (tests, a `moe dev up`) never hand out the same address.
/// </summary>
internal sealed class PodAddresses : IDisposable
{
    /// <summary>The port whose binding marks an address as taken.</summary>
    public const int ClaimPort = 65535;

    private readonly ConcurrentDictionary<string, (string Ip, Socket Claim)> _byPod = new();
    private readonly Lock _gate = new();
    private readonly int _first;
    private readonly int _count;
    private int _next;

    public PodAddresses(int first = 0, int count = 254 * 256 * 16)
    {
        _first = first;
        _count = count;
    }

    /// <summary>The address of the pod with this uid, claimed on first use and kept for the pod's life.</summary>
    public string For(string podUid)
    {
        lock (_gate)
        {
            if (_byPod.TryGetValue(podUid, out var known))
            {
                return known.Ip;
            }

            for (var tried = 0; tried < _count; tried++)
            {
                var ip = Format(_first + ((_next + tried) % _count));
                if (TryClaim(ip) is { } claim)
                {
                    _next = (_next + tried + 1) % _count;
                    _byPod[podUid] = (ip, claim);
                    return ip;
                }
            }

            throw new InvalidOperationException("no free pod address left on 127.1.0.0/12");
        }
    }

    public void Release(string podUid)
    {
        if (_byPod.TryRemove(podUid, out var claimed))
        {
            claimed.Claim.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var (_, claim) in _byPod.Values)
        {
            claim.Dispose();
        }

        _byPod.Clear();
    }

    /// <summary>Binds the address's claim port; null when another cluster holds it (or it cannot be bound).</summary>
    public static Socket? TryClaim(string ip)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(ip), ClaimPort));
            // Listening, so that no other socket can bind the port, SO_REUSEADDR or not.
            socket.Listen(1);
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    internal static string Format(int index)
    {
        var host = 1 + (index % 254);
        var middle = (index / 254) % 256;
        var high = 1 + (index / (254 * 256));
        return string.Create(CultureInfo.InvariantCulture, $"127.{high}.{middle}.{host}");
    }
}
