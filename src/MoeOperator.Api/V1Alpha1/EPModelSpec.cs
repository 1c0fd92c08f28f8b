using System.ComponentModel.DataAnnotations;
using MoeOperator.Contract;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>Shape of an MoE layer: experts, routing and hidden size.</summary>
public sealed record EPModelSpec
{
    /// <summary>Hidden size of a token; FP8 block scaling needs a multiple of 128.</summary>
    [Range(128, 65536)]
    public int HiddenSize { get; set; } = 7168;

    /// <summary>Logical routed experts.</summary>
    [Range(1, 4096)]
    public int Experts { get; set; } = 256;

    /// <summary>Expert groups used by group-limited routing and hierarchical EPLB.</summary>
    [Range(1, 4096)]
    public int ExpertGroups { get; set; } = 8;

    /// <summary>Groups a token may route to.</summary>
    [Range(1, 4096)]
    public int TopkGroups { get; set; } = 4;

    /// <summary>Experts each token is routed to.</summary>
    [Range(1, 64)]
    public int Topk { get; set; } = 8;

    /// <summary>Physical expert slots over all ranks (experts plus redundant replicas); unset means one slot per expert.</summary>
    [Range(1, 65536)]
    public int? PhysicalExpertSlots { get; set; }

    /// <summary>
    /// Number format of the experts' GEMMs: FP32, or FP8 (e4m3 weights in 128x128 blocks, activations per token in
    /// 1x128 groups, as DeepSeek-V3 serves; hiddenSize is a multiple of 128 either way).
    /// </summary>
    public ExpertPrecision ExpertPrecision { get; set; } = ExpertPrecision.FP32;

    /// <summary>Most tokens a rank dispatches per step; sizes the communication buffers.</summary>
    [Range(1, 65536)]
    public int MaxTokensPerRank { get; set; } = 128;
}
