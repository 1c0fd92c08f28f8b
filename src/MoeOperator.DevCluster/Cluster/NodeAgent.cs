using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster;

/// <summary>
/// The pool's nodes: creates them, renews each node's Lease in kube-node-lease (the heartbeat), and plays the node
/// lifecycle controller for faults. A node taken down stops heartbeating, turns Ready=Unknown with the unreachable
/// taints, and after <see cref="PodEvictionGrace"/> its pods fail with reason NodeLost; a removed node is deleted and
/// its pods fail the same way.
/// </summary>
internal sealed class NodeAgent(ClusterApi api, NodePoolSpec pool) : ControlLoop(api, TimeSpan.FromSeconds(1), "nodes")
{
    private static readonly TimeSpan _heartbeat = TimeSpan.FromSeconds(10);

    // The kubelet posts its node's status at least this often even when nothing changed (nodeStatusReportFrequency,
    // 5 minutes by default since node leases carry the heartbeat).
    private static readonly TimeSpan _statusReport = TimeSpan.FromMinutes(5);
    private readonly Dictionary<string, DateTimeOffset> _reported = [];
    private readonly ConcurrentDictionary<string, DateTimeOffset> _down = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _removed = new();
    private readonly Dictionary<string, DateTimeOffset> _renewed = [];
    private readonly Dictionary<string, bool> _reachable = new(StringComparer.Ordinal);
    private readonly List<System.Net.Sockets.Socket> _addressClaims = [];
    private readonly ResourceCache _nodes = api.Cache("nodes");
    private readonly ResourceCache _pods = api.Cache("pods");

    /// <summary>How long pods of an unreachable node keep their phase before they fail.</summary>
    public TimeSpan PodEvictionGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The nodes whose kubelet is gone now (taken down or removed).</summary>
    public HashSet<string> DownNodes() => [.. _down.Keys, .. _removed.Keys];

    /// <summary>Creates the pool's nodes and their Leases.</summary>
    public void CreateNodes()
    {
        var now = Api.Service.Now();
        var candidate = 0;
        for (var i = 0; i < pool.Nodes; i++)
        {
            var name = NodeBuilder.NameOf(i);
            var node = Api.Get("nodes", null, name) ?? Api.Create("nodes", NodeBuilder.Node(pool, i, now, ClaimHostIp(ref candidate)));
            if (Api.Get("leases.coordination.k8s.io", "kube-node-lease", name) is null)
            {
                Api.Create("leases.coordination.k8s.io", NodeBuilder.Lease(name, (string)node["metadata"]!["uid"]!, MicroTime()));
            }

            _renewed[name] = Api.Clock.GetUtcNow();
        }
    }

    protected override void Stop()
    {
        foreach (var claim in _addressClaims)
        {
            claim.Dispose();
        }
    }

    // Node addresses come from 127.0.1.1 up, claimed as pod addresses are, so clusters side by side never share one.
    private string ClaimHostIp(ref int candidate)
    {
        for (; candidate < 254 * 255; candidate++)
        {
            var ip = $"127.0.{1 + (candidate / 254)}.{1 + (candidate % 254)}";
            if (Kubelet.PodAddresses.TryClaim(ip) is { } claim)
            {
                _addressClaims.Add(claim);
                candidate++;
                return ip;
            }
        }

        throw new InvalidOperationException("no free node address left on 127.0.0.0/16");
    }

    /// <summary>Fault: the node stops heartbeating and becomes unreachable.</summary>
    public void TakeDown(string node)
    {
        _down.TryAdd(node, Api.Clock.GetUtcNow());
        Wake();
    }

    /// <summary>Fault: the node is deleted, as when a machine is removed from the cluster.</summary>
    public void Remove(string node)
    {
        _removed.TryAdd(node, Api.Clock.GetUtcNow());
        Api.Delete("nodes", null, node);
        Wake();
    }

    /// <summary>Brings a node that was taken down back.</summary>
    public void BringBack(string node)
    {
        _down.TryRemove(node, out _);
        Wake();
    }

    protected override void Pass()
    {
        var now = Api.Clock.GetUtcNow();
        var changed = _nodes.Refresh().Select(k => k.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var node in _nodes.Items)
        {
            var name = ClusterApi.Name(node);
            var reachable = !_down.ContainsKey(name);
            // A node's conditions are read only when it changed or its reachability did: a pass over a thousand
            // quiet nodes is dictionary lookups.
            if (changed.Contains(name) || !_reachable.TryGetValue(name, out var was) || was != reachable)
            {
                // Forgotten first: a write that fails is tried again next pass.
                _reachable.Remove(name);
                SyncReadiness(node, reachable);
                _reachable[name] = reachable;
            }

            if (reachable && (!_reported.TryGetValue(name, out var reported) || now - reported >= _statusReport))
            {
                if (_reported.ContainsKey(name))
                {
                    ReportStatus(name);
                }

                _reported[name] = now;
            }

            if (reachable && (!_renewed.TryGetValue(name, out var last) || now - last >= _heartbeat))
            {
                Renew(name);
                _renewed[name] = now;
            }
        }

        if (_down.IsEmpty && _removed.IsEmpty)
        {
            // Pods are read only to fail those of a lost node: none now, so their changes need not be followed.
            _pods.Pause();
        }

        foreach (var (node, since) in _down.Concat(_removed))
        {
            if (now - since >= PodEvictionGrace)
            {
                FailPodsOf(node);
            }
        }
    }

    private void SyncReadiness(JsonObject cached, bool reachable)
    {
        var ready = cached["status"]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == "Ready");
        var isReady = (string?)ready?["status"] == "True";
        if (isReady == reachable)
        {
            return;
        }

        // The cache's copy is shared between passes: the change is written from a copy of its own.
        var node = cached.DeepClone().AsObject();

        node["status"]!["conditions"] = NodeBuilder.Conditions(reachable, Api.Service.Now());
        var taints = node["spec"]?["taints"]?.AsArray().Where(t => !((string?)t?["key"] ?? "").StartsWith("node.kubernetes.io/unreachable", StringComparison.Ordinal))
            .Select(t => t!.DeepClone()).ToList() ?? [];
        if (!reachable)
        {
            taints.Add(new JsonObject { ["key"] = "node.kubernetes.io/unreachable", ["effect"] = "NoSchedule", ["timeAdded"] = Api.Service.Now() });
            taints.Add(new JsonObject { ["key"] = "node.kubernetes.io/unreachable", ["effect"] = "NoExecute", ["timeAdded"] = Api.Service.Now() });
        }

        node["spec"]!["taints"] = new JsonArray([.. taints]);
        var updated = Api.UpdateStatus("nodes", node);
        node["metadata"]!["resourceVersion"] = updated["metadata"]!["resourceVersion"]!.DeepClone();
        Api.Update("nodes", node);
    }

    private void ReportStatus(string name)
    {
        if (Api.Get("nodes", null, name) is not { } node)
        {
            return;
        }

        foreach (var condition in node["status"]?["conditions"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            condition["lastHeartbeatTime"] = Api.Service.Now();
        }

        Api.UpdateStatus("nodes", node);
    }

    private void Renew(string node)
    {
        if (Api.Get("leases.coordination.k8s.io", "kube-node-lease", node) is { } lease)
        {
            lease["spec"]!["renewTime"] = MicroTime();
            Api.Update("leases.coordination.k8s.io", lease);
        }
    }

    private void FailPodsOf(string node)
    {
        _pods.Refresh();
        foreach (var cached in _pods.Items.Where(p => (string?)p["spec"]?["nodeName"] == node).ToList())
        {
            if ((string?)cached["status"]?["phase"] is "Succeeded" or "Failed")
            {
                continue;
            }

            var pod = cached.DeepClone().AsObject();

            pod["status"] = PodConditions.NodeLost(pod, node, Api.Service.Now());
            Api.UpdateStatus("pods", pod);
        }
    }

    private string MicroTime() => Api.Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
