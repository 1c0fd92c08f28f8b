namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>A path on this machine shown to a container at <see cref="ContainerPath"/>.</summary>
internal sealed record Mount(string ContainerPath, string HostPath, bool ReadOnly);
