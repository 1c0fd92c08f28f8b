using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>Where checkpoints go and how often; exactly one location is set.</summary>
public sealed record CheckpointSpec
{
    /// <summary>A directory on a ThreeFSCluster.</summary>
    public ThreeFSLocation? ThreeFS { get; set; }

    /// <summary>A directory on a PersistentVolumeClaim.</summary>
    public PvcLocation? PersistentVolumeClaim { get; set; }

    /// <summary>A directory on every node (only sensible on one node).</summary>
    public HostPathLocation? HostPath { get; set; }

    /// <summary>Steps between checkpoints.</summary>
    [Range(1, 100000000)]
    public int IntervalSteps { get; set; } = 100;

    /// <summary>Checkpoints kept; older ones are deleted after a newer one is complete.</summary>
    [Range(1, 1000)]
    public int Keep { get; set; } = 3;

    /// <summary>On (re)start, continue from the newest complete checkpoint.</summary>
    public bool Resume { get; set; } = true;
}
