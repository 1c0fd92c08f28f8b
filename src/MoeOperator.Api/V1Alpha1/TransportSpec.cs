using System.ComponentModel.DataAnnotations;
using MoeOperator.Contract;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>How ranks exchange tokens during dispatch and combine.</summary>
public sealed record TransportSpec
{
    /// <summary>Auto, NVSHMEM, NCCL or TCP.</summary>
    public TransportBackend Backend { get; set; } = TransportBackend.Auto;

    /// <summary>GPU streaming multiprocessors reserved for communication; must be even.</summary>
    [Range(2, 132)]
    public int CommunicationSMs { get; set; } = 20;

    /// <summary>InfiniBand service level (traffic class) of this group's traffic.</summary>
    [Range(0, 15)]
    public int? IbServiceLevel { get; set; }
}
