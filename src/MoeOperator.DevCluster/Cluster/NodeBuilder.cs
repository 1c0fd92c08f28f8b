using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster;

/// <summary>Pure builders of the pool's Node objects and their heartbeat Leases.</summary>
public static class NodeBuilder
{
    public const string SpineLabel = "network.moe.dev/spine";
    public const string LeafLabel = "network.moe.dev/leaf";
    public const string NvlinkLabel = "nvidia.com/gpu.clique";
    public const string ZoneLabel = "topology.kubernetes.io/zone";
    public const string HostnameLabel = "kubernetes.io/hostname";

    /// <summary>The name of node <paramref name="index"/>.</summary>
    public static string NameOf(int index) => $"dev-node-{index}";

    /// <summary>Node <paramref name="index"/> of the pool at <paramref name="hostIp"/>, Ready, with its capacity, topology labels and taints.</summary>
    public static JsonObject Node(NodePoolSpec pool, int index, string now, string hostIp = "127.0.0.1")
    {
        ArgumentNullException.ThrowIfNull(pool);
        var name = NameOf(index);
        var leaf = index / pool.NodesPerLeaf;
        var spine = leaf / pool.LeavesPerSpine;
        var spines = (int)Math.Ceiling(Math.Max(1, pool.Nodes) / (double)(pool.NodesPerLeaf * pool.LeavesPerSpine));
        var zone = spine * pool.Zones / Math.Max(1, spines);
        var labels = new JsonObject
        {
            ["kubernetes.io/arch"] = "amd64",
            ["kubernetes.io/os"] = "linux",
            [HostnameLabel] = name,
            [ZoneLabel] = $"dev-zone-{(char)('a' + zone)}",
            [SpineLabel] = $"spine-{spine}",
            [LeafLabel] = $"leaf-{leaf}",
            [NvlinkLabel] = $"nvl-{index / pool.NodesPerNvlinkDomain}",
        };
        if (pool.GpusPerNode > 0)
        {
            labels["nvidia.com/gpu.product"] = pool.GpuProduct;
            labels["nvidia.com/gpu.count"] = pool.GpusPerNode.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in pool.Labels)
        {
            labels[key] = value;
        }

        var capacity = new JsonObject
        {
            ["cpu"] = pool.Cpu,
            ["memory"] = pool.Memory,
            ["pods"] = pool.MaxPods.ToString(CultureInfo.InvariantCulture),
            ["ephemeral-storage"] = "100Gi",
            ["nvidia.com/gpu"] = pool.GpusPerNode.ToString(CultureInfo.InvariantCulture),
            [pool.RdmaResourceName] = pool.RdmaPerNode.ToString(CultureInfo.InvariantCulture),
        };
        var node = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
            ["spec"] = new JsonObject(),
            ["status"] = new JsonObject
            {
                ["capacity"] = capacity,
                ["allocatable"] = capacity.DeepClone(),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = hostIp },
                    new JsonObject { ["type"] = "Hostname", ["address"] = name }),
                ["nodeInfo"] = new JsonObject
                {
                    ["architecture"] = "amd64",
                    ["operatingSystem"] = "linux",
                    ["kubeletVersion"] = "v1.35.0-moe-dev",
                    ["containerRuntimeVersion"] = "moe-dev://1",
                    ["kernelVersion"] = Environment.OSVersion.Version.ToString(),
                    ["osImage"] = "moe dev cluster",
                },
                ["conditions"] = Conditions(ready: true, now),
            },
        };
        if (pool.Taints.Count > 0)
        {
            node["spec"]!["taints"] = new JsonArray([.. pool.Taints.Select(t => (JsonNode)ParseTaint(t)!)]);
        }

        return node;
    }

    /// <summary>The node's conditions: Ready (True, or Unknown when the kubelet stopped posting status) and the pressure conditions.</summary>
    public static JsonArray Conditions(bool ready, string now) =>
    [
        Condition("Ready", ready ? "True" : "Unknown", ready ? "KubeletReady" : "NodeStatusUnknown", ready ? "kubelet is posting ready status" : "Kubelet stopped posting node status.", now),
        Condition("MemoryPressure", ready ? "False" : "Unknown", ready ? "KubeletHasSufficientMemory" : "NodeStatusUnknown", ready ? "kubelet has sufficient memory available" : "Kubelet stopped posting node status.", now),
        Condition("DiskPressure", ready ? "False" : "Unknown", ready ? "KubeletHasNoDiskPressure" : "NodeStatusUnknown", ready ? "kubelet has no disk pressure" : "Kubelet stopped posting node status.", now),
        Condition("PIDPressure", ready ? "False" : "Unknown", ready ? "KubeletHasSufficientPID" : "NodeStatusUnknown", ready ? "kubelet has sufficient PID available" : "Kubelet stopped posting node status.", now),
    ];

    /// <summary>The node's heartbeat Lease in kube-node-lease.</summary>
    public static JsonObject Lease(string node, string nodeUid, string renewTime) => new()
    {
        ["apiVersion"] = "coordination.k8s.io/v1",
        ["kind"] = "Lease",
        ["metadata"] = new JsonObject
        {
            ["name"] = node,
            ["namespace"] = "kube-node-lease",
            ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = node, ["uid"] = nodeUid }),
        },
        ["spec"] = new JsonObject { ["holderIdentity"] = node, ["leaseDurationSeconds"] = 40, ["renewTime"] = renewTime },
    };

    /// <summary>Parses <c>key=value:Effect</c> or <c>key:Effect</c>; null when malformed.</summary>
    public static JsonObject? ParseTaint(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.LastIndexOf(':');
        if (colon <= 0)
        {
            return null;
        }

        var effect = text[(colon + 1)..];
        if (effect is not ("NoSchedule" or "PreferNoSchedule" or "NoExecute"))
        {
            return null;
        }

        var keyValue = text[..colon].Split('=', 2);
        var taint = new JsonObject { ["key"] = keyValue[0], ["effect"] = effect };
        if (keyValue.Length == 2)
        {
            taint["value"] = keyValue[1];
        }

        return keyValue[0].Length == 0 ? null : taint;
    }

    private static JsonObject Condition(string type, string status, string reason, string message, string now) => new()
    {
        ["type"] = type,
        ["status"] = status,
        ["reason"] = reason,
        ["message"] = message,
        ["lastHeartbeatTime"] = now,
        ["lastTransitionTime"] = now,
    };
}
