using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The storage servers and how their disks are cut into targets and chains.</summary>
public sealed record StorageSpec
{
    /// <summary>Number of storage nodes; node ids stay stable for the cluster's life.</summary>
    [Required, Range(1, 1000)]
    [OnChange(SpecChange.Scale, "raising it places the new storage daemons and migrates chains onto them by upstream's procedure (StorageScaling condition); lowering it is refused with SpecAccepted=False, ScaleDownRefused, and nothing changes")]
    public int Replicas { get; set; }

    /// <summary>Labels a node must carry to run storage.</summary>
    [OnChange(SpecChange.Immutable, "storage daemons keep their nodes and node ids for the cluster's life")]
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Taints storage tolerates.</summary>
    [MaxLength(32)]
    [OnChange(SpecChange.Immutable, "storage daemons keep their nodes and node ids for the cluster's life")]
    public List<Toleration>? Tolerations { get; set; }

    /// <summary>Mount points of the XFS-formatted NVMe disks on every storage node, in disk-index order; keep them stable.</summary>
    [Required, MinLength(1), MaxLength(64), RegularExpression(Patterns.AbsolutePath)]
    [OnChange(SpecChange.Immutable, "the targets and chains live on these disks; replacing a disk is not supported yet")]
    public List<string> DiskPaths { get; set; } = [];

    /// <summary>Storage targets per disk, each in a different chain; at most 99, because a 3FS target id gives the index two digits.</summary>
    [Range(1, 99)]
    [OnChange(SpecChange.Immutable, "the chain table is cut from it; create a new ThreeFSCluster for another layout")]
    public int TargetsPerDisk { get; set; } = 4;

    /// <summary>Replicas per chain (CRAQ chain length), each on a different node.</summary>
    [Range(1, 3)]
    [OnChange(SpecChange.Immutable, "every chain has this many replicas; create a new ThreeFSCluster and copy the data for another factor")]
    public int ReplicationFactor { get; set; } = 3;

    /// <summary>File chunk size in bytes.</summary>
    [Range(65536, 67108864)]
    [OnChange(SpecChange.Immutable, "files already written are cut into chunks of this size; create a new ThreeFSCluster for another size")]
    public int ChunkSize { get; set; } = 1048576;

    /// <summary>Chains a file is striped over; at most the number of chains.</summary>
    [Range(1, 4096)]
    [OnChange(SpecChange.Immutable, "files already written are striped over this many chains; create a new ThreeFSCluster for another stripe")]
    public int StripeSize { get; set; } = 16;

    /// <summary>Use io_uring for reads; turn off on kernels without it.</summary>
    [OnChange(SpecChange.Roll, "the storage daemons' config is rewritten and they restart one at a time, each only once every chain fully serves again; phase Upgrading shows the progress")]
    public bool EnableIoUring { get; set; } = true;

    /// <summary>Compute resources of each storage server.</summary>
    [OnChange(SpecChange.Roll, "daemons are replaced one at a time (mgmtd, meta, then storage), each storage daemon only once every chain fully serves again; phase Upgrading shows the progress")]
    public ResourceRequirements? Resources { get; set; }
}
