using k8s.Models;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>Compute resources of a container, as in core/v1.</summary>
public sealed record ResourceRequirements
{
    /// <summary>Minimum resources the scheduler reserves, for example cpu: "4", memory: 16Gi.</summary>
    public Dictionary<string, ResourceQuantity>? Requests { get; set; }

    /// <summary>Maximum resources the container may use.</summary>
    public Dictionary<string, ResourceQuantity>? Limits { get; set; }
}
