using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>Routed and shared experts of the MoE layers.</summary>
public sealed record MoeSpec
{
    /// <summary>Routed experts per layer.</summary>
    [Range(1, 4096)]
    public int Experts { get; set; } = 16;

    /// <summary>Routed experts per token.</summary>
    [Range(1, 64)]
    public int Topk { get; set; } = 2;

    /// <summary>Shared experts every token passes through.</summary>
    [Range(0, 64)]
    public int SharedExperts { get; set; } = 1;

    /// <summary>Expert groups for group-limited routing.</summary>
    [Range(1, 4096)]
    public int Groups { get; set; } = 1;

    /// <summary>Groups a token may route to.</summary>
    [Range(1, 4096)]
    public int TopkGroups { get; set; } = 1;

    /// <summary>Hidden size inside each expert.</summary>
    [Range(1, 65536)]
    public int IntermediateSize { get; set; } = 1024;
}
