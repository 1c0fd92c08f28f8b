using k8s.Models;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>Raw capacity of the storage targets.</summary>
public sealed record CapacityStatus
{
    /// <summary>Total bytes.</summary>
    public ResourceQuantity? Total { get; set; }

    /// <summary>Used bytes.</summary>
    public ResourceQuantity? Used { get; set; }
}
