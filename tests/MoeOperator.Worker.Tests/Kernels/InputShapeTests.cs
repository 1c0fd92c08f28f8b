using MoeOperator.Worker.Kernels;
using MoeOperator.Worker.Kernels.Cli;
using MoeOperator.Worker.Kernels.Npy;

namespace MoeOperator.Worker.Tests.Kernels;

/// <summary>
/// Inputs of the right size in the wrong layout (scales held column-major, transposed tables, a missing dimension)
/// are refused by the bindings themselves and therefore by the command line, each error naming the input as the
/// command line spells it and giving the shape passed and the shape expected. Before, only element counts were
/// checked, and these ran to exit 0 with wrong numbers.
/// </summary>
public sealed class InputShapeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("moe-shapes-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public sealed record ShapeCase(string Kernel, Dictionary<string, NpyArray> Inputs, Dictionary<string, string> Parameters, string[] Expected)
    {
        public override string ToString() => $"{Kernel}: {string.Join(", ", Inputs.Select(p => p.Key + p.Value.ShapeText))}";
    }

    private static NpyArray Bytes(params long[] shape) => NpyArray.Of(new byte[Count(shape)], shape);

    private static NpyArray Floats(params long[] shape) => NpyArray.Of(Enumerable.Repeat(0.01f, (int)Count(shape)).ToArray(), shape);

    private static NpyArray Ints(int value, params long[] shape) => NpyArray.Of(Enumerable.Repeat(value, (int)Count(shape)).ToArray(), shape);

    private static NpyArray Longs(params long[] shape) => NpyArray.Of(new long[Count(shape)], shape);

    private static long Count(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);

    private static Dictionary<string, NpyArray> Gemm(NpyArray? a = null, NpyArray? aScales = null, NpyArray? b = null, NpyArray? bScales = null) => new()
    {
        ["a"] = a ?? Bytes(5, 256),
        ["a_scales"] = aScales ?? Floats(5, 2),
        ["b"] = b ?? Bytes(300, 256),
        ["b_scales"] = bScales ?? Floats(3, 2),
    };

    private static Dictionary<string, NpyArray> Grouped(NpyArray a, NpyArray aScales, string rowsName, NpyArray rows, NpyArray? bScales = null) => new()
    {
        ["a"] = a,
        ["a_scales"] = aScales,
        ["b"] = Bytes(2, 256, a.Shape[^1]),
        ["b_scales"] = bScales ?? Floats(2, 2, a.Shape[^1] / 128),
        [rowsName] = rows,
    };

    private static Dictionary<string, NpyArray> Mla(NpyArray? q = null, NpyArray? blockTable = null, NpyArray? seqlens = null) => new()
    {
        ["q"] = q ?? Floats(2, 1, 4, 576),
        ["k_cache"] = Floats(6, 64, 1, 576),
        ["block_table"] = blockTable ?? Ints(0, 2, 3),
        ["cache_seqlens"] = seqlens ?? Ints(100, 2),
    };

    private static readonly Dictionary<string, string> _none = [];
    private static readonly Dictionary<string, string> _ep = new() { ["experts"] = "8", ["ranks"] = "4" };

    public static TheoryData<ShapeCase> Cases() =>
    [
        // DeepGEMM callers often hold A's scales column-major: [k/128, m] instead of [m, k/128].
        new("fp8-gemm", Gemm(aScales: Floats(2, 5)), _none, ["a_scales has shape [2, 5]", "expected [m, k/128] per-token scales = [5, 2]", "transposed"]),
        new("fp8-gemm", Gemm(bScales: Floats(2, 3)), _none, ["b_scales has shape [2, 3]", "expected [ceil(n/128), k/128] per-block scales = [3, 2]", "transposed"]),
        new("fp8-gemm", Gemm(a: Bytes(1280)), _none, ["a has shape [1280]", "expected [m, k] (2 dimensions)"]),
        new("fp8-gemm", Gemm(a: Bytes(5, 200), aScales: Floats(5, 2)), _none, ["a has shape [5, 200]", "k = 200 must be a positive multiple of 128", "pad it to 256"]),
        new("fp8-gemm", Gemm(b: Bytes(300, 384), bScales: Floats(3, 3)), _none, ["a has k = 256 but b has k = 384"]),
        new("fp8-grouped-gemm-masked", Grouped(Bytes(2, 16, 256), Floats(2, 2, 16), "masked_m", Ints(3, 2)), _none,
            ["a_scales has shape [2, 2, 16]", "expected [groups, m_max, k/128] per-token scales = [2, 16, 2]", "transposed"]),
        new("fp8-grouped-gemm-masked", Grouped(Bytes(2, 16, 256), Floats(2, 16, 2), "masked_m", Ints(3, 3)), _none, ["masked_m has shape [3]", "expected [groups] = [2]"]),
        new("fp8-grouped-gemm-contiguous", Grouped(Bytes(256, 256), Floats(256, 2), "group_of_row", Ints(0, 255)), _none, ["group_of_row has shape [255]", "expected [m] = [256]"]),
        new("fp8-grouped-gemm-contiguous", Grouped(Bytes(256, 128), Floats(256, 1), "group_of_row", Ints(0, 256), bScales: Floats(2, 1, 2)), _none,
            ["b_scales has shape [2, 1, 2]", "expected [groups, ceil(n/128), k/128] per-block scales = [2, 2, 1]", "transposed"]),
        new("mla-decode", Mla(blockTable: Ints(0, 3, 2)), _none, ["block_table has shape [3, 2]", "expected [batch, max_blocks_per_seq] with batch = 2 from q = [2, 2]"]),
        new("mla-decode", Mla(q: Floats(2, 1, 4, 512)), _none, ["q has shape [2, 1, 4, 512]", "expected [batch, s_q, h_q, 576] = [2, 1, 4, 576]"]),
        new("mla-decode", Mla(seqlens: Ints(100, 3)), _none, ["cache_seqlens has shape [3]", "expected [batch] with batch = 2 from q = [2]"]),
        new("ep-permute", new() { ["x"] = Floats(6, 16), ["topk_idx"] = Longs(6, 2), ["topk_weights"] = Floats(2, 6) }, _ep,
            ["topk_weights has shape [2, 6]", "expected [tokens, top_k] like topk_idx = [6, 2]", "transposed"]),
        new("ep-permute", new() { ["x"] = Floats(8, 6), ["topk_idx"] = Longs(6, 2) }, _ep, ["x has shape [8, 6]", "expected [tokens, hidden] with tokens = 6 from topk_idx = [6, 6]"]),
        new("ep-unpermute", new() { ["y"] = Floats(4, 8), ["src_token"] = Ints(0, 4), ["row_weights"] = Floats(4, 1) }, new() { ["tokens"] = "2" },
            ["row_weights has shape [4, 1]", "expected [received] like src_token = [4]"]),
        new("fp8-dequantize", new() { ["codes"] = Bytes(300, 256), ["scales"] = Floats(3, 2) }, _none, ["scales has shape [3, 2]", "expected [rows, k/128] per-token scales = [300, 2]"]),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheCommandLine_RefusesTheInput_NamingItAndBothShapes(ShapeCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var files = c.Inputs.ToDictionary(p => p.Key, p => Path.Combine(_dir, p.Key + ".npy"));
        foreach (var (name, array) in c.Inputs)
        {
            NpyFile.Write(files[name], array);
        }

        var error = Should.Throw<KernelInputException>(() => KernelRunner.Run(KernelCatalog.Find(c.Kernel)!, files, _none, c.Parameters, TextWriter.Null));

        foreach (var fragment in c.Expected)
        {
            error.Message.ShouldContain(fragment);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheBinding_RefusesTheSameInput_WithTheSameMessage(ShapeCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var error = Should.Throw<KernelInputException>(() => CallBinding(c.Kernel, c.Inputs, c.Parameters));

        foreach (var fragment in c.Expected)
        {
            error.Message.ShouldContain(fragment);
        }
    }

    [Fact]
    public void AnOutputWrittenOnlyFromAnOptionalInput_IsRefusedWithoutThatInput()
    {
        var files = new Dictionary<string, string> { ["x"] = Path.Combine(_dir, "x.npy"), ["topk_idx"] = Path.Combine(_dir, "topk.npy") };
        NpyFile.Write(files["x"], Floats(6, 16));
        NpyFile.Write(files["topk_idx"], Longs(6, 2));
        var outputs = new Dictionary<string, string> { ["recv_topk_weights"] = Path.Combine(_dir, "w.npy") };

        var error = Should.Throw<KernelInputException>(() => KernelRunner.Run(KernelCatalog.Find("ep-permute")!, files, outputs, _ep, TextWriter.Null));

        error.Message.ShouldContain("writes recv_topk_weights only from input topk_weights: pass --in topk_weights=FILE.npy, or drop --out recv_topk_weights");
        File.Exists(outputs["recv_topk_weights"]).ShouldBeFalse();
    }

    [Fact]
    public void List_SaysLseIsTheNaturalLogarithm()
    {
        var output = new StringWriter();
        KernelRunner.List(output);
        output.ToString().ShouldContain("natural log (base e, as FlashMLA's softmax_lse)");
        output.ToString().ShouldContain("recv_topk_weights  float32  [received, top_k] (only with --in topk_weights)");
    }

    // The bindings called directly, as a library user would, with the arrays of the command line's inputs.
    private static void CallBinding(string kernel, Dictionary<string, NpyArray> inputs, Dictionary<string, string> parameters)
    {
        NdArray<T> In<T>(string name)
            where T : unmanaged => inputs[name].As<T>(name);
        NdArray<T>? Optional<T>(string name)
            where T : unmanaged => inputs.TryGetValue(name, out var array) ? array.As<T>(name) : null;
        Fp8Matrix A() => new(In<byte>("a"), In<float>("a_scales"), Fp8Scaling.PerToken);
        Fp8GroupedWeights B() => new(In<byte>("b"), In<float>("b_scales"));
        switch (kernel)
        {
            case "fp8-gemm":
                Fp8Gemm.Multiply(A(), new Fp8Matrix(In<byte>("b"), In<float>("b_scales"), Fp8Scaling.PerBlock));
                break;
            case "fp8-grouped-gemm-masked":
                Fp8Gemm.GroupedMasked(A(), B(), In<int>("masked_m"));
                break;
            case "fp8-grouped-gemm-contiguous":
                Fp8Gemm.GroupedContiguous(A(), B(), In<int>("group_of_row"));
                break;
            case "fp8-dequantize":
                Fp8.Dequantize(new Fp8Matrix(In<byte>("codes"), In<float>("scales"), Fp8Scaling.PerToken));
                break;
            case "mla-decode":
                MlaDecoding.Decode(new MlaInputs(In<float>("q"), In<float>("k_cache"), In<int>("block_table"), In<int>("cache_seqlens"), Causal: false), MlaDecoding.Schedule(In<int>("cache_seqlens").Data, 2));
                break;
            case "ep-permute":
                EpLayout.Permute(In<float>("x"), In<long>("topk_idx"), Optional<float>("topk_weights"), int.Parse(parameters["experts"], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parameters["ranks"], System.Globalization.CultureInfo.InvariantCulture));
                break;
            case "ep-unpermute":
                EpLayout.Unpermute(In<float>("y"), In<int>("src_token"), Optional<float>("row_weights"), int.Parse(parameters["tokens"], System.Globalization.CultureInfo.InvariantCulture));
                break;
            default:
                throw new ArgumentException($"no binding call for {kernel}", nameof(kernel));
        }
    }
}
