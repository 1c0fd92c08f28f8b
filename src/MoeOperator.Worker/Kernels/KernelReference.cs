using MoeOperator.Worker.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Kernels;

/// <summary>
/// Float64 references for the native kernels, written with TorchSharp and the formats' definitions only (nothing
/// here calls libmoe_kernels), so tests and `moe-worker selftest` compare two independent computations.
/// </summary>
public static class KernelReference
{
    /// <summary>e4m3fn from its definition: sign, 4 exponent bits with bias 7, 3 mantissa bits; 0x7F/0xFF are NaN.</summary>
    public static double E4m3(byte code)
    {
        var sign = (code & 0x80) != 0 ? -1.0 : 1.0;
        var exponent = (code >> 3) & 0xF;
        var mantissa = code & 0x7;
        if (exponent == 0xF && mantissa == 0x7)
        {
            return double.NaN;
        }

        return sign * (exponent == 0 ? Math.ScaleB(mantissa, -9) : Math.ScaleB(1 + (mantissa / 8.0), exponent - 7));
    }

    /// <summary>The matrix's values, codes times scales, in float64.</summary>
    public static double[] Dequantize(Fp8Matrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var (codes, scales) = (matrix.Codes.Data, matrix.Scales.Data);
        var values = new double[codes.Length];
        for (var r = 0; r < matrix.Rows; r++)
        {
            var scaleRow = matrix.Scaling == Fp8Scaling.PerToken ? r : r / 128;
            for (var c = 0; c < matrix.Cols; c++)
            {
                values[(r * matrix.Cols) + c] = E4m3(codes[(r * matrix.Cols) + c]) * scales[(scaleRow * matrix.ScaleCols) + (c / 128)];
            }
        }

        return values;
    }

    /// <summary>D = dequant(A) * dequant(B)^T in float64.</summary>
    public static double[] Gemm(Fp8Matrix a, Fp8Matrix b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var at = tensor(Dequantize(a), [a.Rows, a.Cols], ScalarType.Float64);
        var bt = tensor(Dequantize(b), [b.Rows, b.Cols], ScalarType.Float64);
        return matmul(at, bt.t()).data<double>().ToArray();
    }

    /// <summary>Scaled dot-product attention per sequence over the tokens block_table points at, in float64.</summary>
    public static (double[] Out, double[] Lse) Mla(MlaInputs inputs, double softmaxScale = 0)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var scale = softmaxScale > 0 ? softmaxScale : 1 / Math.Sqrt(MlaInputs.HeadDim);
        var rows = inputs.SQ * inputs.HQ;
        var output = new double[inputs.Batch * rows * MlaInputs.ValueDim];
        var lse = new double[inputs.Batch * rows];
        var cache = tensor(inputs.KCache.Data, ScalarType.Float32).to_type(ScalarType.Float64).view(-1, MlaInputs.HeadDim);
        for (var b = 0; b < inputs.Batch; b++)
        {
            var seqlen = inputs.CacheSeqlens.Data[b];
            var tokenRows = Enumerable.Range(0, seqlen)
                .Select(t => ((long)inputs.BlockTable.Data[(b * inputs.MaxBlocksPerSeq) + (t / MlaInputs.PageSize)] * MlaInputs.PageSize) + (t % MlaInputs.PageSize))
                .ToArray();
            var keys = cache.index_select(0, tensor(tokenRows, ScalarType.Int64));
            var q = tensor(inputs.Q.Data.AsSpan(b * rows * MlaInputs.HeadDim, rows * MlaInputs.HeadDim).ToArray(), [rows, MlaInputs.HeadDim], ScalarType.Float32)
                .to_type(ScalarType.Float64);
            var scores = matmul(q, keys.t()).Times(scale);
            var positions = tensor(Enumerable.Range(0, seqlen).Select(p => (long)p).ToArray()).unsqueeze(0);
            var visible = tensor(Enumerable.Range(0, rows)
                .Select(r => inputs.Causal ? Math.Max(0, seqlen - (inputs.SQ - 1 - (r / inputs.HQ))) : seqlen).Select(v => (long)v).ToArray()).unsqueeze(1);
            scores = scores.masked_fill(positions.ge(visible), HeldScalars.NegativeInfinity);
            var rowLse = scores.logsumexp(1);
            var weights = (scores - rowLse.unsqueeze(1)).exp().nan_to_num(0.0);
            var o = matmul(weights, keys.narrow(1, 0, MlaInputs.ValueDim));
            o.data<double>().ToArray().CopyTo(output, b * rows * MlaInputs.ValueDim);
            var lseValues = rowLse.data<double>().ToArray();
            for (var r = 0; r < rows; r++)
            {
                var (i, h) = (r / inputs.HQ, r % inputs.HQ);
                lse[(((b * inputs.HQ) + h) * inputs.SQ) + i] = lseValues[r];
            }
        }

        return (output, lse);
    }

    /// <summary>DeepEP's layout with tensor ops: a token is in a rank when any of its experts lives there.</summary>
    public static DispatchLayout EpLayout(long[] topkIdx, int topK, int experts, int ranks)
    {
        ArgumentNullException.ThrowIfNull(topkIdx);
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var topk = tensor(topkIdx, [topkIdx.Length / topK, topK], ScalarType.Int64);
        var valid = topk.ge(HeldScalars.Zero);
        using var expertsPerRank = ((long)(experts / ranks)).ToScalar();
        using var noRank = tensor(-1L);
        var rankOf = where(valid, topk.div(expertsPerRank, RoundingMode.floor), noRank);
        var inRank = stack(Enumerable.Range(0, ranks).Select(r => rankOf.EqualTo(r).any(1L, false)).ToArray(), 1);
        var perExpert = topk.masked_select(valid).bincount(null, experts);
        return new DispatchLayout(
            inRank.sum(0L, false).to_type(ScalarType.Int32).data<int>().ToArray(),
            perExpert.to_type(ScalarType.Int32).data<int>().ToArray(),
            inRank.to_type(ScalarType.Byte).data<byte>().ToArray());
    }
}
