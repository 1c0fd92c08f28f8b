using MoeOperator.Contract;

namespace MoeOperator.Worker.Moe;

/// <summary>
/// The dimensions of one MoE layer (DeepSeek-V3 style routing: experts in groups, top-k within the best groups) and
/// the number format its experts compute in.
/// </summary>
public sealed record MoeShape(int Hidden, int Intermediate, int Experts, int ExpertGroups, int TopkGroups, int Topk, ExpertPrecision Precision = ExpertPrecision.FP32)
{
    /// <summary>Why the shape cannot route, or null when it can.</summary>
    public string? Problem() => this switch
    {
        { Hidden: < 1 } => "hidden size must be at least 1",
        { Intermediate: < 1 } => "intermediate size must be at least 1",
        { Experts: < 1 } => "experts must be at least 1",
        { ExpertGroups: < 1 } => "expert groups must be at least 1",
        _ when Experts % ExpertGroups != 0 => $"experts ({Experts}) must be a multiple of expert groups ({ExpertGroups})",
        _ when TopkGroups < 1 || TopkGroups > ExpertGroups => $"top-k groups ({TopkGroups}) must be in 1..{ExpertGroups}",
        _ when Topk < 1 || Topk > TopkGroups * (Experts / ExpertGroups) => $"top-k ({Topk}) must be in 1..{TopkGroups * (Experts / ExpertGroups)} (the experts in the chosen groups)",
        { Precision: ExpertPrecision.FP8 } when Hidden % 128 != 0 => $"FP8 experts need the hidden size ({Hidden}) to be a multiple of 128, the width of their scaling blocks: pad it or run FP32 experts",
        { Precision: ExpertPrecision.FP8 } when Intermediate % 128 != 0 => $"FP8 experts need the intermediate size ({Intermediate}) to be a multiple of 128, the width of their scaling blocks: pad it or run FP32 experts",
        _ => null,
    };

    public int ExpertsPerGroup => Experts / ExpertGroups;
}
