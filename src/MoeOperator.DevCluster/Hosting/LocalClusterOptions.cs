using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Cluster.Kubelet;

namespace MoeOperator.DevCluster.Hosting;

/// <summary>A whole dev cluster: the API server, the node pool, and how the kubelet runs pods.</summary>
public sealed record LocalClusterOptions
{
    public DevApiServerOptions Server { get; init; } = new();

    public NodePoolSpec Nodes { get; init; } = new();

    public required KubeletOptions Kubelet { get; init; }

    /// <summary>How long pods of a node that went down keep their phase before they fail (NodeLost).</summary>
    public TimeSpan PodEvictionGrace { get; init; } = TimeSpan.FromSeconds(5);
}
