namespace MoeOperator.Worker.Kernels;

/// <summary>FP8 e4m3 conversion and DeepGEMM's quantisation (moe_fp8.h).</summary>
public static unsafe class Fp8
{
    public static float Decode(byte code) => NativeMethods.E4m3ToFloat(code);

    public static byte Encode(float value) => NativeMethods.FloatToE4m3(value);

    /// <summary>Activations [m, k] to codes with one scale per token and 128 columns.</summary>
    public static Fp8Matrix QuantizePerToken(ReadOnlySpan<float> x, int m, int k) => Quantize(x, m, k, Fp8Scaling.PerToken);

    /// <summary>Weights [n, k] to codes with one scale per 128x128 block.</summary>
    public static Fp8Matrix QuantizePerBlock(ReadOnlySpan<float> w, int n, int k) => Quantize(w, n, k, Fp8Scaling.PerBlock);

    public static float[] Dequantize(Fp8Matrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        matrix.Validate(nameof(matrix));
        var values = new float[matrix.Codes.Length];
        fixed (byte* codes = matrix.Codes)
        fixed (float* scales = matrix.Scales, output = values)
        {
            var status = matrix.Scaling == Fp8Scaling.PerToken
                ? NativeMethods.DequantizePerToken(codes, scales, matrix.Rows, matrix.Cols, output)
                : NativeMethods.DequantizePerBlock(codes, scales, matrix.Rows, matrix.Cols, output);
            Native.Check(status, "fp8 dequantize");
        }

        return values;
    }

    private static Fp8Matrix Quantize(ReadOnlySpan<float> x, int rows, int cols, Fp8Scaling scaling)
    {
        Shapes.Positive(rows, nameof(rows));
        Shapes.Positive(cols, nameof(cols));
        Shapes.MultipleOf128(cols, nameof(cols));
        Shapes.Length(x, (long)rows * cols, nameof(x), $"[{rows}, {cols}]");
        var scaleRows = scaling == Fp8Scaling.PerToken ? rows : (rows + 127) / 128;
        var matrix = new Fp8Matrix(new byte[x.Length], new float[scaleRows * (cols / 128)], rows, cols, scaling);
        fixed (float* input = x, scales = matrix.Scales)
        fixed (byte* codes = matrix.Codes)
        {
            var status = scaling == Fp8Scaling.PerToken
                ? NativeMethods.QuantizePerToken(input, rows, cols, codes, scales)
                : NativeMethods.QuantizePerBlock(input, rows, cols, codes, scales);
            Native.Check(status, "fp8 quantize");
        }

        return matrix;
    }
}
