namespace MoeOperator.Contract;

/// <summary>The communication library ranks exchange tokens with.</summary>
public enum TransportBackend
{
    /// <summary>NVSHMEM on GPU nodes with RDMA, TCP elsewhere.</summary>
    Auto,

    /// <summary>DeepEP over NVSHMEM (NVLink inside a node, GPUDirect RDMA between nodes).</summary>
    NVSHMEM,

    /// <summary>NCCL all-to-all.</summary>
    NCCL,

    /// <summary>TCP sockets; works everywhere, for tests and CPU nodes.</summary>
    TCP,
}
