using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The desired 3FS cluster.</summary>
public sealed record ThreeFSClusterSpec
{
    /// <summary>Container image holding the 3FS binaries (mgmtd, meta, storage, hf3fs_fuse_main, admin_cli).</summary>
    [Required, MaxLength(512)]
    [OnChange(SpecChange.Roll, "daemons are replaced one at a time (mgmtd, meta, then storage), each storage daemon only once every chain fully serves again; phase Upgrading shows the progress")]
    public string Image { get; set; } = "";

    /// <summary>3FS cluster id; 3FS limits it to 31 characters.</summary>
    [Required, MinLength(1), MaxLength(31), RegularExpression("^[a-zA-Z0-9][a-zA-Z0-9_-]*$")]
    [OnChange(SpecChange.Immutable, "it names the file system's data in FoundationDB; create a new ThreeFSCluster for another id")]
    public string ClusterId { get; set; } = "";

    /// <summary>The FoundationDB cluster that holds 3FS metadata: external or managed.</summary>
    public FoundationDBSpec FoundationDB { get; set; } = new();

    /// <summary>Networking: host network, RDMA devices and ports.</summary>
    [OnChange(SpecChange.Immutable, "every daemon's config and the registered addresses carry these ports and devices; create a new ThreeFSCluster to change them")]
    public ThreeFSNetworkSpec Network { get; set; } = new();

    /// <summary>The management daemons (one primary is elected).</summary>
    public MgmtdSpec Mgmtd { get; set; } = new();

    /// <summary>The stateless metadata servers.</summary>
    public MetaSpec Meta { get; set; } = new();

    /// <summary>The storage servers, their disks and the chain table layout.</summary>
    [Required]
    public StorageSpec Storage { get; set; } = new();

    /// <summary>FUSE clients that mount the file system on GPU nodes.</summary>
    public ClientsSpec Clients { get; set; } = new();

    /// <summary>Retain (default) keeps data directories and volumes when the cluster is deleted; Delete removes them after every component is gone.</summary>
    [OnChange(SpecChange.InPlace, "read when the cluster is deleted: the policy in the spec at that moment decides what happens to the data")]
    public DeletionPolicy DeletionPolicy { get; set; } = DeletionPolicy.Retain;
}
