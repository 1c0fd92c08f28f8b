using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The FoundationDB cluster 3FS stores its metadata in; set exactly one of external or managed.</summary>
public sealed record FoundationDBSpec
{
    /// <summary>FoundationDB server version; the libfdb_c in the 3FS image must match it (checked before bootstrap).</summary>
    [RegularExpression(@"^[0-9]+\.[0-9]+\.[0-9]+$")]
    public string Version { get; set; } = "7.3.63";

    /// <summary>Use an existing FoundationDB cluster through its cluster file.</summary>
    public ExternalFoundationDB? External { get; set; }

    /// <summary>Let the operator run FoundationDB as a StatefulSet.</summary>
    public ManagedFoundationDB? Managed { get; set; }
}
