using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>A DeepSeek-style MoE transformer: MLA attention and routed plus shared experts.</summary>
public sealed record TrainingModelSpec
{
    /// <summary>Transformer layers; they are split evenly over pipeline stages.</summary>
    [Range(1, 1024)]
    public int Layers { get; set; } = 4;

    /// <summary>Hidden size.</summary>
    [Range(64, 65536)]
    public int HiddenSize { get; set; } = 1024;

    /// <summary>Vocabulary size.</summary>
    [Range(2, 1048576)]
    public int VocabSize { get; set; } = 32000;

    /// <summary>Attention heads; the hidden size must be a multiple of it.</summary>
    [Range(1, 512)]
    public int Heads { get; set; } = 8;

    /// <summary>Rank of the MLA query compression; 0 disables it.</summary>
    [Range(0, 65536)]
    public int QLoraRank { get; set; }

    /// <summary>Rank of the MLA key-value compression (the latent cached per token).</summary>
    [Range(1, 65536)]
    public int KvLoraRank { get; set; } = 256;

    /// <summary>The mixture-of-experts feed-forward layers.</summary>
    public MoeSpec Moe { get; set; } = new();
}
