namespace MoeOperator.Contract;

/// <summary>Number format of an EPGroup's expert GEMMs.</summary>
public enum ExpertPrecision
{
    /// <summary>float32 weights and activations.</summary>
    FP32,

    /// <summary>
    /// DeepSeek-V3's FP8 inference: e4m3 weights with 128x128 block scales, activations quantised per token in 1x128
    /// groups, float32 accumulation (the worker's native DeepGEMM-style kernel).
    /// </summary>
    FP8,
}
