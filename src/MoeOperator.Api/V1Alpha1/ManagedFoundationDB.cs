using System.ComponentModel.DataAnnotations;
using k8s.Models;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>A FoundationDB cluster run by the operator.</summary>
public sealed record ManagedFoundationDB
{
    /// <summary>Number of FoundationDB processes (coordinators are chosen among them).</summary>
    [Range(1, 15)]
    public int Replicas { get; set; } = 3;

    /// <summary>FoundationDB server image; its version must equal spec.foundationDB.version.</summary>
    [MaxLength(512)]
    public string? Image { get; set; }

    /// <summary>Volume size per process.</summary>
    public ResourceQuantity Storage { get; set; } = new("10Gi");

    /// <summary>StorageClass of the volumes; empty uses the cluster default.</summary>
    [MaxLength(253)]
    public string? StorageClassName { get; set; }
}
