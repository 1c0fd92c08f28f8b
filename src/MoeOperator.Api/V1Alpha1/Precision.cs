namespace MoeOperator.Api.V1Alpha1;

/// <summary>Number format of the training computation.</summary>
public enum Precision
{
    /// <summary>bfloat16 compute with float32 master weights.</summary>
    BF16,

    /// <summary>FP8 e4m3 GEMMs with fine-grained scaling, bf16 elsewhere.</summary>
    FP8,

    /// <summary>float32 everywhere (for checks, slow).</summary>
    FP32,
}
