namespace MoeOperator.Api.V1Alpha1;

/// <summary>Where training data comes from; exactly one source is set.</summary>
public sealed record DataSpec
{
    /// <summary>Generated token streams (for tests and benchmarks).</summary>
    public SyntheticData? Synthetic { get; set; }

    /// <summary>A directory on a ThreeFSCluster.</summary>
    public ThreeFSLocation? ThreeFS { get; set; }

    /// <summary>A directory on a PersistentVolumeClaim.</summary>
    public PvcLocation? PersistentVolumeClaim { get; set; }

    /// <summary>A directory on every node.</summary>
    public HostPathLocation? HostPath { get; set; }
}
