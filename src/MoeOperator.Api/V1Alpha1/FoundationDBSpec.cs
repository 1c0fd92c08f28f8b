using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The FoundationDB cluster 3FS stores its metadata in; set exactly one of external or managed.</summary>
public sealed record FoundationDBSpec
{
    /// <summary>FoundationDB server version; the libfdb_c in the 3FS image must match it (checked before bootstrap).</summary>
    [RegularExpression(@"^[0-9]+\.[0-9]+\.[0-9]+$")]
    [OnChange(SpecChange.InPlace, "until init-cluster has run, the check-fdb-version step reads it again, which is how a version mismatch is fixed; after that a change is refused, as the file system's metadata lives in a FoundationDB of this version")]
    public string Version { get; set; } = "7.3.63";

    /// <summary>Use an existing FoundationDB cluster through its cluster file.</summary>
    [OnChange(SpecChange.Immutable, "the file system's metadata lives in this FoundationDB; create a new ThreeFSCluster to use another")]
    public ExternalFoundationDB? External { get; set; }

    /// <summary>Let the operator run FoundationDB as a StatefulSet.</summary>
    [OnChange(SpecChange.Immutable, "the file system's metadata lives in this FoundationDB; resizing or moving it is not supported, so create a new ThreeFSCluster")]
    public ManagedFoundationDB? Managed { get; set; }
}
