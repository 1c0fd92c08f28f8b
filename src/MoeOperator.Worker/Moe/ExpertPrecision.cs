namespace MoeOperator.Worker.Moe;

/// <summary>The number format the experts' GEMMs run in.</summary>
public enum ExpertPrecision
{
    /// <summary>float32 weights and activations (TorchSharp matmul).</summary>
    FP32,

    /// <summary>
    /// DeepSeek-V3's FP8 inference: weights in e4m3 with 128x128 block scales, activations quantised per token in
    /// 1x128 groups before each GEMM, float32 accumulation (the native DeepGEMM-style kernel).
    /// </summary>
    FP8,
}
