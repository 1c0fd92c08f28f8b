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

    /// <summary>The first layers have a dense SwiGLU feed-forward instead of experts (DeepSeek-V3's n_dense_layers).</summary>
    [Range(0, 1024)]
    public int DenseLayers { get; set; } = 1;

    /// <summary>Hidden size of the dense layers' feed-forward; unset means 4 x hiddenSize.</summary>
    [Range(1, 262144)]
    public int? IntermediateSize { get; set; }

    /// <summary>Per-head query and key dimension without RoPE; unset means hiddenSize / heads.</summary>
    [Range(1, 4096)]
    public int? QkNopeHeadDim { get; set; }

    /// <summary>Per-head dimension that carries RoPE (even); unset means half of hiddenSize / heads, rounded down to even (at least 2).</summary>
    [Range(2, 4096)]
    public int? QkRopeHeadDim { get; set; }

    /// <summary>Per-head value dimension; unset means hiddenSize / heads.</summary>
    [Range(1, 4096)]
    public int? VHeadDim { get; set; }

    /// <summary>The mixture-of-experts feed-forward layers.</summary>
    public MoeSpec Moe { get; set; } = new();
}
