namespace MoeOperator.Api.V1Alpha1;

/// <summary>Daemons per component.</summary>
public sealed record ThreeFSNodeCounts
{
    /// <summary>mgmtd daemons.</summary>
    public ReplicaCount? Mgmtd { get; set; }

    /// <summary>meta servers.</summary>
    public ReplicaCount? Meta { get; set; }

    /// <summary>storage servers.</summary>
    public ReplicaCount? Storage { get; set; }

    /// <summary>FUSE clients.</summary>
    public ReplicaCount? Clients { get; set; }
}
