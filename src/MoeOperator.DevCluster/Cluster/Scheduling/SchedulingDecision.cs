namespace MoeOperator.DevCluster.Cluster.Scheduling;

/// <summary>The node a pod goes to, or why it fits nowhere (kube-scheduler's message, "0/4 nodes are available: ...").</summary>
public sealed record SchedulingDecision(string? Node, string Message)
{
    public bool Fits => Node is not null;
}
