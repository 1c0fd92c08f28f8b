using System.Collections.Concurrent;
using System.Globalization;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// One loopback address per pod (127.1.0.1, 127.1.0.2, ...): every 127.x.y.z binds without setup on Linux, so
/// each pod has its own IP and ports never collide, as in a real pod network. Node addresses live in 127.0.x.y.
/// </summary>
internal sealed class PodAddresses
{
    private readonly ConcurrentDictionary<string, string> _byPod = new();
    private int _next;

    /// <summary>The address of the pod with this uid, allocated on first use and kept for the pod's life.</summary>
    public string For(string podUid) => _byPod.GetOrAdd(podUid, _ => Format(Interlocked.Increment(ref _next) - 1));

    public void Release(string podUid) => _byPod.TryRemove(podUid, out _);

    internal static string Format(int index)
    {
        var host = 1 + (index % 254);
        var middle = (index / 254) % 256;
        var high = 1 + (index / (254 * 256));
        return string.Create(CultureInfo.InvariantCulture, $"127.{high}.{middle}.{host}");
    }
}
