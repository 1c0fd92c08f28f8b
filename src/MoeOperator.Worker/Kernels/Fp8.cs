namespace MoeOperator.Worker.Kernels;

/// <summary>FP8 e4m3 conversion and DeepGEMM's quantisation (moe_fp8.h).</summary>
public static unsafe class Fp8
{
    public static float Decode(byte code) => NativeMethods.E4m3ToFloat(code);

    public static byte Encode(float value) => NativeMethods.FloatToE4m3(value);

    /// <summary>Activations x [m, k] to codes with one scale per token and 128 columns.</summary>
    public static Fp8Matrix QuantizePerToken(NdArray<float> x)
    {
        var shape = InputShapes.Dims(x, "x", "[m, k]", 2);
        return QuantizePerToken(x.Data, InputShapes.Int(shape[0], "m"), InputShapes.Int(shape[1], "k"));
    }

    /// <summary>Weights w [n, k] to codes with one scale per 128x128 block.</summary>
    public static Fp8Matrix QuantizePerBlock(NdArray<float> w)
    {
        var shape = InputShapes.Dims(w, "w", "[n, k]", 2);
        return QuantizePerBlock(w.Data, InputShapes.Int(shape[0], "n"), InputShapes.Int(shape[1], "k"));
    }

    /// <summary>Activations [m, k] to codes with one scale per token and 128 columns.</summary>
    public static Fp8Matrix QuantizePerToken(ReadOnlySpan<float> x, int m, int k) => Quantize(x, m, k, Fp8Scaling.PerToken);

    /// <summary>Weights [n, k] to codes with one scale per 128x128 block.</summary>
    public static Fp8Matrix QuantizePerBlock(ReadOnlySpan<float> w, int n, int k) => Quantize(w, n, k, Fp8Scaling.PerBlock);

    /// <summary>Codes times scales, as float32 of the codes' shape [rows, k].</summary>
    public static float[] Dequantize(Fp8Matrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        matrix.Validate("codes", "scales", "rows", "k");
        var values = new float[matrix.Codes.Data.Length];
        fixed (byte* codes = matrix.Codes.Data)
        fixed (float* scales = matrix.Scales.Data, output = values)
        {
            var status = matrix.Scaling == Fp8Scaling.PerToken
                ? NativeMethods.DequantizePerToken(codes, scales, matrix.Rows, matrix.Cols, output)
                : NativeMethods.DequantizePerBlock(codes, scales, matrix.Rows, matrix.Cols, output);
            Native.Check(status, "fp8 dequantize");
        }

        return values;
    }

    private static Fp8Matrix Quantize(ReadOnlySpan<float> x, int rows, int k, Fp8Scaling scaling)
    {
        var what = scaling == Fp8Scaling.PerToken ? "x [m, k]" : "w [n, k]";
        if (rows <= 0 || k <= 0 || k % 128 != 0)
        {
            throw new KernelInputException($"{what} is [{rows}, {k}]: rows must be positive and k a positive multiple of 128 (pad k to {Math.Max(128, (k + 127) / 128 * 128)})");
        }

        Shapes.Length(x, (long)rows * k, what.Split(' ')[0], $"[{rows}, {k}]");
        var scaleRows = scaling == Fp8Scaling.PerToken ? rows : (rows + 127) / 128;
        var matrix = new Fp8Matrix(NdArray.Of(new byte[x.Length], rows, k), NdArray.Of(new float[scaleRows * (k / 128)], scaleRows, k / 128), scaling);
        fixed (float* input = x, scales = matrix.Scales.Data)
        fixed (byte* codes = matrix.Codes.Data)
        {
            var status = scaling == Fp8Scaling.PerToken
                ? NativeMethods.QuantizePerToken(input, rows, k, codes, scales)
                : NativeMethods.QuantizePerBlock(input, rows, k, codes, scales);
            Native.Check(status, "fp8 quantize");
        }

        return matrix;
    }
}
