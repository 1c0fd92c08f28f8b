using System.Globalization;
using System.Text.Json.Nodes;
using MoeOperator.Planning.Resources;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// The kubelet's admission of a pod bound to its node, as a real kubelet decides it: the pods it already runs there
/// and the new one must fit the node's allocatable. A pod that does not fit is refused, not queued: phase Failed with
/// the kubelet's reason, UnexpectedAdmissionError for device-plugin resources (nvidia.com/gpu, rdma/hca) and
/// OutOf&lt;resource&gt; for the others (OutOfcpu, OutOfmemory, OutOfpods), and its message. The scheduler never binds
/// a pod that does not fit; this catches pods that name their node themselves (spec.nodeName).
/// </summary>
internal static class PodAdmission
{
    private static readonly string[] _devicePlugins = ["nvidia.com/gpu", "rdma/hca"];

    /// <summary>The refusal (reason, message), or null when the pod fits beside <paramref name="admitted"/>.</summary>
    public static (string Reason, string Message)? Refusal(JsonObject pod, JsonObject node, IEnumerable<JsonObject> admitted)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(node);
        var running = admitted.Where(PodResources.IsActive).ToList();
        var allocatable = node["status"]?["allocatable"]?.AsObject() ?? [];
        var requests = PodResources.Requests(pod);
        var used = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var other in running)
        {
            foreach (var (name, amount) in PodResources.Requests(other))
            {
                used[name] = used.GetValueOrDefault(name) + amount;
            }
        }

        // Device plugins allocate first: their failure is what a pod asking for too many GPUs sees.
        foreach (var (name, amount) in requests.Where(r => r.Value > 0 && _devicePlugins.Contains(r.Key)).OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var available = Quantity.Parse((string?)allocatable[name]) - used.GetValueOrDefault(name);
            if (amount > available)
            {
                return ("UnexpectedAdmissionError",
                    $"Allocate failed due to requested number of devices unavailable for {name}. Requested: {Text(amount)}, Available: {Text(Math.Max(0, available))}, which is unexpected");
            }
        }

        var pods = Quantity.Parse((string?)allocatable["pods"]);
        if (pods > 0 && running.Count + 1 > pods)
        {
            return ("OutOfpods", $"Pod Node didn't have enough resource: pods, requested: 1, used: {Text(running.Count)}, capacity: {Text(pods)}");
        }

        foreach (var (name, amount) in requests.Where(r => r.Value > 0 && !_devicePlugins.Contains(r.Key)).OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var capacity = Quantity.Parse((string?)allocatable[name]);
            if (used.GetValueOrDefault(name) + amount > capacity)
            {
                // cpu in millicores and memory in bytes, as the kubelet reports them.
                var scale = name == "cpu" ? 1000m : 1m;
                return ($"OutOf{name}",
                    $"Pod Node didn't have enough resource: {name}, requested: {Text(amount * scale)}, used: {Text(used.GetValueOrDefault(name) * scale)}, capacity: {Text(capacity * scale)}");
            }
        }

        return null;
    }

    private static string Text(decimal value) => decimal.Round(value).ToString(CultureInfo.InvariantCulture);
}
