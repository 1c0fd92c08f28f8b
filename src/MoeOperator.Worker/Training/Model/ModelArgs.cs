using MoeOperator.Contract;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Model;

/// <summary>
/// The dimensions of a DeepSeek-V3-shaped MoE transformer, named as <c>ModelArgs</c> in deepseek-ai/DeepSeek-V3's
/// inference/model.py: MLA attention (optionally low-rank queries), the first <see cref="DenseLayers"/> with a dense
/// SwiGLU FFN, then MoE layers with shared experts and group-limited sigmoid routing.
/// </summary>
public sealed record ModelArgs
{
    public int VocabSize { get; init; } = 256;

    public int Dim { get; init; } = 64;

    /// <summary>Hidden size of the dense layers' FFN.</summary>
    public int InterDim { get; init; } = 128;

    /// <summary>Hidden size of each expert (routed and shared).</summary>
    public int MoeInterDim { get; init; } = 32;

    public int Layers { get; init; } = 4;

    public int DenseLayers { get; init; } = 1;

    public int Heads { get; init; } = 4;

    public int RoutedExperts { get; init; } = 8;

    public int SharedExperts { get; init; } = 1;

    public int ActivatedExperts { get; init; } = 2;

    public int ExpertGroups { get; init; } = 2;

    public int LimitedGroups { get; init; } = 1;

    public double RouteScale { get; init; } = 1.0;

    /// <summary>0: queries come from one projection (wq); otherwise through a low-rank wq_a, q_norm, wq_b.</summary>
    public int QLoraRank { get; init; }

    public int KvLoraRank { get; init; } = 32;

    public int QkNopeHeadDim { get; init; } = 16;

    public int QkRopeHeadDim { get; init; } = 8;

    public int VHeadDim { get; init; } = 16;

    public double RopeTheta { get; init; } = 10000.0;

    /// <summary>The auxiliary-loss-free balance: after each step, bias_i += speed * sign(mean load - load_i).</summary>
    public double BiasUpdateSpeed { get; init; } = 1e-3;

    /// <summary>The routed experts' GEMMs: FP32, or FP8 (<see cref="Fp8Rounding"/>; dim and moe_inter_dim multiples of 128).</summary>
    public ExpertPrecision ExpertPrecision { get; init; } = ExpertPrecision.FP32;

    /// <summary>Float32 for training, float64 for exact equivalence checks.</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;

    public int QkHeadDim => QkNopeHeadDim + QkRopeHeadDim;

    public bool IsMoeLayer(int layer) => layer >= DenseLayers;

    /// <summary>Why the model cannot be built, or null.</summary>
    public string? Problem() => this switch
    {
        { VocabSize: < 2 } => "the vocabulary needs at least 2 tokens",
        { Dim: < 1 } or { InterDim: < 1 } or { MoeInterDim: < 1 } or { Heads: < 1 } or { Layers: < 1 } => "dim, inter_dim, moe_inter_dim, heads and layers must be at least 1",
        { QkRopeHeadDim: var rope } when rope % 2 != 0 => $"qk_rope_head_dim ({rope}) must be even: RoPE rotates pairs",
        { ExpertPrecision: ExpertPrecision.FP8 } when Dim % 128 != 0 || MoeInterDim % 128 != 0 => $"FP8 experts need dim ({Dim}) and moe_inter_dim ({MoeInterDim}) to be multiples of 128, the FP8 scaling block",
        _ when RoutedExperts % ExpertGroups != 0 => $"routed experts ({RoutedExperts}) must be a multiple of expert groups ({ExpertGroups})",
        _ when LimitedGroups < 1 || LimitedGroups > ExpertGroups => $"limited groups ({LimitedGroups}) must be in 1..{ExpertGroups}",
        _ when ActivatedExperts < 1 || ActivatedExperts > LimitedGroups * (RoutedExperts / ExpertGroups) => $"activated experts ({ActivatedExperts}) must be in 1..{LimitedGroups * (RoutedExperts / ExpertGroups)} (the experts of the groups a token may use)",
        _ => null,
    };
}
