using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The storage servers and how their disks are cut into targets and chains.</summary>
public sealed record StorageSpec
{
    /// <summary>Number of storage nodes; node ids stay stable for the cluster's life.</summary>
    [Required, Range(1, 1000)]
    public int Replicas { get; set; }

    /// <summary>Labels a node must carry to run storage.</summary>
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Taints storage tolerates.</summary>
    [MaxLength(32)]
    public List<Toleration>? Tolerations { get; set; }

    /// <summary>Mount points of the XFS-formatted NVMe disks on every storage node, in disk-index order; keep them stable.</summary>
    [Required, MinLength(1), MaxLength(64), RegularExpression(Patterns.AbsolutePath)]
    public List<string> DiskPaths { get; set; } = [];

    /// <summary>Storage targets per disk, each in a different chain; at most 99, because a 3FS target id gives the index two digits.</summary>
    [Range(1, 99)]
    public int TargetsPerDisk { get; set; } = 4;

    /// <summary>Replicas per chain (CRAQ chain length), each on a different node.</summary>
    [Range(1, 3)]
    public int ReplicationFactor { get; set; } = 3;

    /// <summary>File chunk size in bytes.</summary>
    [Range(65536, 67108864)]
    public int ChunkSize { get; set; } = 1048576;

    /// <summary>Chains a file is striped over; at most the number of chains.</summary>
    [Range(1, 4096)]
    public int StripeSize { get; set; } = 16;

    /// <summary>Use io_uring for reads; turn off on kernels without it.</summary>
    public bool EnableIoUring { get; set; } = true;

    /// <summary>Compute resources of each storage server.</summary>
    public ResourceRequirements? Resources { get; set; }
}
