using System.ComponentModel.DataAnnotations;
using MoeOperator.Contract;

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

    /// <summary>Multiplies the routing weights of the chosen experts (DeepSeek-V3's route_scale).</summary>
    [Range(0.0, 100.0)]
    public double RouteScale { get; set; } = 1.0;

    /// <summary>The auxiliary-loss-free balance: after each step every expert's routing bias moves by this much towards the mean load (gamma).</summary>
    [Range(0.0, 1.0)]
    public double BiasUpdateSpeed { get; set; } = 1e-3;

    /// <summary>
    /// Number format of the routed experts' GEMMs: FP32, or FP8 as DeepSeek-V3 trains them (each GEMM's input in e4m3
    /// per token and 128 columns, weights in 128x128 blocks, as the EPGroup worker's FP8 experts; the master weights,
    /// gradients and optimiser stay in float32, and the rounding passes gradients straight through). FP8 needs
    /// hiddenSize and moe.intermediateSize to be multiples of 128.
    /// </summary>
    public ExpertPrecision ExpertPrecision { get; set; } = ExpertPrecision.FP32;

    /// <summary>Hidden size inside each expert.</summary>
    [Range(1, 65536)]
    public int IntermediateSize { get; set; } = 1024;
}
