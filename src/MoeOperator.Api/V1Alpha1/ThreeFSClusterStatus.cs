using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>The observed state of a 3FS cluster.</summary>
public sealed record ThreeFSClusterStatus
{
    /// <summary>Summary of the cluster's state.</summary>
    public ThreeFSClusterPhase? Phase { get; set; }

    /// <summary>The metadata.generation this status describes.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary>Conditions per component (FoundationDB, Mgmtd, Meta, Storage, Clients) and Ready.</summary>
    public List<Condition>? Conditions { get; set; }

    /// <summary>Desired and ready daemons per component.</summary>
    public ThreeFSNodeCounts? Nodes { get; set; }

    /// <summary>Storage targets by state.</summary>
    public TargetStateCounts? Targets { get; set; }

    /// <summary>Chains by state.</summary>
    public ChainStateCounts? Chains { get; set; }

    /// <summary>Version of the chain table uploaded to mgmtd.</summary>
    public int? ChainTableVersion { get; set; }

    /// <summary>Raw capacity and usage.</summary>
    public CapacityStatus? Capacity { get; set; }

    /// <summary>Secret holding the admin token.</summary>
    public string? TokenSecretName { get; set; }

    /// <summary>Where each mgmtd, meta and storage daemon runs, by 3FS node id.</summary>
    [MaxLength(1100)]
    public List<ThreeFSMember>? Members { get; set; }

    /// <summary>
    /// True when the cluster was created over data FoundationDB already held for its cluster id (an earlier cluster
    /// deleted with deletionPolicy Retain): init-cluster adopted it instead of initialising, and the chain table it
    /// holds was checked against the plan instead of being created again.
    /// </summary>
    public bool? AdoptedData { get; set; }

    /// <summary>Bootstrap steps completed, in order; a completed step is never run again.</summary>
    [MaxLength(64), ItemMaxLength(64)]
    public List<string>? CompletedBootstrapSteps { get; set; }
}
