using MoeOperator.Worker.Kernels.Npy;

namespace MoeOperator.Worker.Kernels.Cli;

/// <summary>The FP8 kernels on the command line: quantisation, dequantisation, GEMM and grouped GEMMs.</summary>
internal static class Fp8KernelSpecs
{
    private static readonly KernelPort[] _aPorts =
    [
        new("a", NpyType.UInt8, "[m, k] e4m3 codes, k % 128 == 0"),
        new("a_scales", NpyType.Float32, "[m, k/128] per-token scales"),
    ];

    public static IEnumerable<KernelSpec> All()
    {
        yield return new KernelSpec(
            "fp8-quantize-per-token",
            "Activations to e4m3 with one scale per token and 128 columns (scale = amax/448)",
            [new("x", NpyType.Float32, "[m, k], k % 128 == 0")],
            [new("codes", NpyType.UInt8, "[m, k]"), new("scales", NpyType.Float32, "[m, k/128]")],
            [],
            call => Quantized(Fp8.QuantizePerToken(call.Array<float>("x"))));
        yield return new KernelSpec(
            "fp8-quantize-per-block",
            "Weights to e4m3 with one scale per 128x128 block",
            [new("w", NpyType.Float32, "[n, k], k % 128 == 0")],
            [new("codes", NpyType.UInt8, "[n, k]"), new("scales", NpyType.Float32, "[ceil(n/128), k/128]")],
            [],
            call => Quantized(Fp8.QuantizePerBlock(call.Array<float>("w"))));
        yield return new KernelSpec(
            "fp8-dequantize",
            "e4m3 codes times their scales, back to float32",
            [new("codes", NpyType.UInt8, "[rows, k]"), new("scales", NpyType.Float32, "per-token [rows, k/128] or per-block [ceil(rows/128), k/128]")],
            [new("x", NpyType.Float32, "[rows, k]")],
            [new("scaling", "per-token or per-block", "per-token")],
            call =>
            {
                var scaling = call.Text("scaling", "per-token") switch
                {
                    "per-token" => Fp8Scaling.PerToken,
                    "per-block" => Fp8Scaling.PerBlock,
                    var other => throw new KernelInputException($"parameter scaling must be per-token or per-block, got '{other}'"),
                };
                var matrix = new Fp8Matrix(call.Array<byte>("codes"), call.Array<float>("scales"), scaling);
                return Single("x", NpyArray.Of(Fp8.Dequantize(matrix), matrix.Rows, matrix.Cols));
            });
        yield return new KernelSpec(
            "fp8-gemm",
            "D = A * B^T (DeepGEMM NT layout), float32 accumulation and output",
            [.. _aPorts, new("b", NpyType.UInt8, "[n, k] e4m3 codes"), new("b_scales", NpyType.Float32, "[ceil(n/128), k/128] per-block scales")],
            [new("d", NpyType.Float32, "[m, n]")],
            [],
            call =>
            {
                var a = Activations(call);
                var b = new Fp8Matrix(call.Array<byte>("b"), call.Array<float>("b_scales"), Fp8Scaling.PerBlock);
                return Single("d", NpyArray.Of(Fp8Gemm.Multiply(a, b), a.Rows, b.Rows));
            });
        yield return new KernelSpec(
            "fp8-grouped-gemm-contiguous",
            "MoE grouped GEMM, contiguous layout: row r of A times group group_of_row[r]'s B; -1 rows are padding (zeros)",
            [.. _aPorts, new("b", NpyType.UInt8, "[groups, n, k]"), new("b_scales", NpyType.Float32, "[groups, ceil(n/128), k/128]"),
             new("group_of_row", NpyType.Int32, "[m], m % 128 == 0, one group per 128-row block")],
            [new("d", NpyType.Float32, "[m, n]")],
            [],
            call =>
            {
                var a = Activations(call);
                var b = Grouped(call);
                return Single("d", NpyArray.Of(Fp8Gemm.GroupedContiguous(a, b, call.Array<int>("group_of_row")), a.Rows, b.N));
            });
        yield return new KernelSpec(
            "fp8-grouped-gemm-masked",
            "MoE grouped GEMM, masked layout: group g's first masked_m[g] rows of A times its B; other rows zeros",
            [new("a", NpyType.UInt8, "[groups, m_max, k]"), new("a_scales", NpyType.Float32, "[groups, m_max, k/128]"),
             new("b", NpyType.UInt8, "[groups, n, k]"), new("b_scales", NpyType.Float32, "[groups, ceil(n/128), k/128]"),
             new("masked_m", NpyType.Int32, "[groups]")],
            [new("d", NpyType.Float32, "[groups, m_max, n]")],
            [],
            call =>
            {
                var a = Activations(call);
                var b = Grouped(call);
                var d = Fp8Gemm.GroupedMasked(a, b, call.Array<int>("masked_m"));
                return Single("d", NpyArray.Of(d, a.Codes.Shape[0], a.Codes.Shape[1], b.N));
            });
    }

    private static Dictionary<string, NpyArray> Quantized(Fp8Matrix q) => new()
    {
        ["codes"] = NpyArray.Of(q.Codes.Data, q.Codes.Shape),
        ["scales"] = NpyArray.Of(q.Scales.Data, q.Scales.Shape),
    };

    private static Fp8Matrix Activations(KernelCall call) => new(call.Array<byte>("a"), call.Array<float>("a_scales"), Fp8Scaling.PerToken);

    private static Fp8GroupedWeights Grouped(KernelCall call) => new(call.Array<byte>("b"), call.Array<float>("b_scales"));

    private static Dictionary<string, NpyArray> Single(string name, NpyArray array) => new() { [name] = array };
}
