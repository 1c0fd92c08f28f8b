using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>FUSE clients (hf3fs_fuse_main) that mount 3FS on the nodes that use it.</summary>
public sealed record ClientsSpec
{
    /// <summary>Run the FUSE client DaemonSet.</summary>
    [OnChange(SpecChange.Immutable, "the FUSE configuration and clients are set up by bootstrap steps that run once; create the ThreeFSCluster again with deletionPolicy Retain (its data is adopted) to add or remove the clients")]
    public bool Enabled { get; set; } = true;

    /// <summary>Host path where the file system is mounted on each client node.</summary>
    [RegularExpression(Patterns.AbsolutePath)]
    [OnChange(SpecChange.Immutable, "EPGroups mount this host path into their pods; create the ThreeFSCluster again with deletionPolicy Retain (its data is adopted) to move it")]
    public string MountPath { get; set; } = "/3fs/stage";

    /// <summary>Labels a node must carry to get a client, for example GPU nodes.</summary>
    [OnChange(SpecChange.Roll, "the FUSE DaemonSet rolls one node at a time (at most one node without a ready client); a node that leaves the selector loses its client, and pods that mount 3FS there lose the file system")]
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Taints the clients tolerate.</summary>
    [MaxLength(32)]
    [OnChange(SpecChange.Roll, "the FUSE DaemonSet rolls one node at a time (at most one node without a ready client); a node that leaves the selector loses its client, and pods that mount 3FS there lose the file system")]
    public List<Toleration>? Tolerations { get; set; }

    /// <summary>Compute resources of each client.</summary>
    [OnChange(SpecChange.Roll, "the FUSE DaemonSet rolls one node at a time (at most one node without a ready client); a node that leaves the selector loses its client, and pods that mount 3FS there lose the file system")]
    public ResourceRequirements? Resources { get; set; }
}
