using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>FUSE clients (hf3fs_fuse_main) that mount 3FS on the nodes that use it.</summary>
public sealed record ClientsSpec
{
    /// <summary>Run the FUSE client DaemonSet.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Host path where the file system is mounted on each client node.</summary>
    [RegularExpression(Patterns.AbsolutePath)]
    public string MountPath { get; set; } = "/3fs/stage";

    /// <summary>Labels a node must carry to get a client, for example GPU nodes.</summary>
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Taints the clients tolerate.</summary>
    [MaxLength(32)]
    public List<Toleration>? Tolerations { get; set; }

    /// <summary>Compute resources of each client.</summary>
    public ResourceRequirements? Resources { get; set; }
}
