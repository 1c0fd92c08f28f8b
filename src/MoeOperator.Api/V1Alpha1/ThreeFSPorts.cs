using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>Listening ports of the 3FS daemons; all six must differ because daemons may share a node.</summary>
public sealed record ThreeFSPorts
{
    /// <summary>mgmtd RDMA port.</summary>
    [Range(1, 65535)]
    public int MgmtdRdma { get; set; } = 8000;

    /// <summary>mgmtd TCP port.</summary>
    [Range(1, 65535)]
    public int MgmtdTcp { get; set; } = 9000;

    /// <summary>meta RDMA port.</summary>
    [Range(1, 65535)]
    public int MetaRdma { get; set; } = 8001;

    /// <summary>meta TCP port.</summary>
    [Range(1, 65535)]
    public int MetaTcp { get; set; } = 9001;

    /// <summary>storage RDMA port (upstream's default 8000 collides with mgmtd).</summary>
    [Range(1, 65535)]
    public int StorageRdma { get; set; } = 8002;

    /// <summary>storage TCP port (upstream's default 9000 collides with mgmtd).</summary>
    [Range(1, 65535)]
    public int StorageTcp { get; set; } = 9002;
}
