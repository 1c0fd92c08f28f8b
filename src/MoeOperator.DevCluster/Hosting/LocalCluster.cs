using System.Net;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Controllers;
using MoeOperator.DevCluster.Cluster.Kubelet;

namespace MoeOperator.DevCluster.Hosting;

/// <summary>
/// The dev cluster: the API server plus everything a real cluster runs behind it, in this process: the nodes and
/// their heartbeats, the scheduler, the workload controllers (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
/// Service endpoints, volume binding) and the kubelet, which runs pods as real processes or simulates them.
/// Disposing it stops every component and every pod process.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ControlLoop> _components;
    private readonly List<Task> _running;
    private readonly NodeAgent _nodes;
    private readonly Kubelet _kubelet;

    private LocalCluster(DevApiServer server, NodeAgent nodes, Kubelet kubelet, List<ControlLoop> components)
    {
        Server = server;
        _nodes = nodes;
        _kubelet = kubelet;
        _components = components;
        _running = [.. components.Select(c => Task.Run(() => c.RunAsync(_stop.Token)))];
    }

    public DevApiServer Server { get; }

    /// <summary>The errors of the components that still stand (empty when all is well), each with its component and object.</summary>
    public IReadOnlyList<ComponentError> Errors => Server.ComponentErrors.Current;

    public static async Task<LocalCluster> StartAsync(LocalClusterOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Nodes.Problem() is { } problem)
        {
            throw new ArgumentException($"node pool: {problem}");
        }

        var server = await DevApiServer.StartAsync(options.Server, cancellationToken);
        try
        {
            server.Service.PodsTerminateGracefully = true;
            server.Service.AdmitServiceAccounts = true;
            var port = new Uri(server.Url).Port;
            // Long-lived, as the tokens a real kubelet projects are for clients that do not reread them.
            var serviceAccount = new ServiceAccountFiles(options.Kubelet.Sandbox ? "kubernetes.default.svc" : "127.0.0.1", port, (ns, name) => server.ServiceAccountTokens.Issue(ns, name, TimeSpan.FromDays(365)).Token, server.CaPem);
            var nodes = new NodeAgent(new ClusterApi(server.Service, "node-lifecycle-controller", server.ComponentErrors), options.Nodes) { PodEvictionGrace = options.PodEvictionGrace };
            nodes.CreateNodes();
            var kubelet = new Kubelet(new ClusterApi(server.Service, "kubelet", server.ComponentErrors), options.Kubelet, nodes, serviceAccount, new IPEndPoint(IPAddress.Loopback, port));
            server.Logs = kubelet;
            server.Exec = kubelet;
            List<ControlLoop> components =
            [
                nodes,
                new Scheduler(new ClusterApi(server.Service, Scheduler.Name, server.ComponentErrors)),
                kubelet,
                new ReplicaSetController(new ClusterApi(server.Service, "replicaset-controller", server.ComponentErrors)),
                new DeploymentController(new ClusterApi(server.Service, "deployment-controller", server.ComponentErrors)),
                new StatefulSetController(new ClusterApi(server.Service, "statefulset-controller", server.ComponentErrors)),
                new DaemonSetController(new ClusterApi(server.Service, "daemon-set-controller", server.ComponentErrors)),
                new JobController(new ClusterApi(server.Service, "job-controller", server.ComponentErrors)),
                new EndpointsController(new ClusterApi(server.Service, "endpoint-controller", server.ComponentErrors), options.Kubelet.ResyncPeriod),
                new VolumeBinder(new ClusterApi(server.Service, "persistentvolume-binder", server.ComponentErrors)),
                new ServiceAccountController(new ClusterApi(server.Service, "serviceaccount-controller", server.ComponentErrors)),
                new ClusterRoleAggregationController(new ClusterApi(server.Service, "clusterrole-aggregation-controller", server.ComponentErrors)),
            ];
            return new LocalCluster(server, nodes, kubelet, components);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Fault: the node stops heartbeating; it turns NotReady and its pods fail after the eviction grace.</summary>
    public void TakeNodeDown(string node) => _nodes.TakeDown(node);

    /// <summary>Brings a node taken down back.</summary>
    public void BringNodeBack(string node) => _nodes.BringBack(node);

    /// <summary>Fault: deletes the node, as when a machine leaves the cluster; its pods fail after the eviction grace.</summary>
    public void RemoveNode(string node) => _nodes.Remove(node);

    /// <summary>Fault: kills a container's process (the first container when none is named).</summary>
    public bool KillContainer(string ns, string pod, string? container = null) => _kubelet.KillContainer(ns, pod, container);

    /// <summary>Fault: cuts (or restores) a pod's connections to the API server.</summary>
    public bool PartitionFromApiServer(string ns, string pod, bool partitioned = true) => _kubelet.PartitionFromApiServer(ns, pod, partitioned);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running).WaitAsync(TimeSpan.FromSeconds(30));
        _kubelet.Dispose();
        await Server.DisposeAsync();
        _stop.Dispose();
    }
}
