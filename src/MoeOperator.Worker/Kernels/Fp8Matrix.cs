namespace MoeOperator.Worker.Kernels;

/// <summary>How an FP8 matrix is scaled: per token (1x128 along K, activations) or per 128x128 block (weights).</summary>
public enum Fp8Scaling
{
    PerToken,
    PerBlock,
}

/// <summary>
/// A row-major [Rows, Cols] matrix of e4m3 codes with DeepGEMM's scales: [Rows, Cols / 128] per token, or
/// [ceil(Rows / 128), Cols / 128] per block.
/// </summary>
public sealed record Fp8Matrix(byte[] Codes, float[] Scales, int Rows, int Cols, Fp8Scaling Scaling)
{
    public int ScaleRows => Scaling == Fp8Scaling.PerToken ? Rows : (Rows + 127) / 128;

    public int ScaleCols => Cols / 128;

    /// <summary>Throws when the arrays do not have the sizes the shape implies.</summary>
    public void Validate(string name)
    {
        Shapes.Positive(Rows, $"{name}.Rows");
        Shapes.Positive(Cols, $"{name}.Cols");
        Shapes.MultipleOf128(Cols, $"{name}.Cols");
        Shapes.Length<byte>(Codes, (long)Rows * Cols, $"{name}.Codes", $"[{Rows}, {Cols}]");
        Shapes.Length<float>(Scales, (long)ScaleRows * ScaleCols, $"{name}.Scales", $"[{ScaleRows}, {ScaleCols}]");
    }
}
