using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>How 3FS daemons reach each other. 3FS configs need IPv4 literals, so daemons use stable node addresses.</summary>
public sealed record ThreeFSNetworkSpec
{
    /// <summary>Run server daemons in the host network namespace, so their addresses are the nodes' stable IPs.</summary>
    public bool HostNetwork { get; set; } = true;

    /// <summary>Extended resource that grants an RDMA device to a pod.</summary>
    [MaxLength(253)]
    public string RdmaResourceName { get; set; } = "rdma/hca";

    /// <summary>InfiniBand devices to use (for example mlx5_0); empty uses every device.</summary>
    [MaxLength(32)]
    public List<string>? DeviceFilter { get; set; }

    /// <summary>Network interface name prefix the listeners bind to when it is none of en, eth, bond, xgbe.</summary>
    [MaxLength(15)]
    public string? NicPrefix { get; set; }

    /// <summary>Listening ports; the defaults never collide on one node.</summary>
    public ThreeFSPorts Ports { get; set; } = new();
}
