using BenchmarkDotNet.Attributes;
using MoeOperator.Contract;
using MoeOperator.Worker.Moe;
using static TorchSharp.torch;

namespace MoeOperator.Benchmarks.Kernels;

/// <summary>
/// One routed expert of DeepSeek-V3 (hidden 7168, intermediate 2048, SwiGLU) on the rows a rank's slot receives in
/// a step: FP8 experts (the native GEMM, weights in 128x128 blocks, activations quantised per token) against float32
/// experts (TorchSharp matmul), as `moe-worker ep` runs them with MOE_EXPERT_PRECISION FP8 and FP32.
/// </summary>
[Config(typeof(InProcessKernelConfig))]
public class ExpertFfnBenchmarks
{
    private static readonly MoeShape _shape = new(7168, 2048, 1, 1, 1, 1);
    private ExpertFfn _fp32 = null!;
    private ExpertFfn _fp8 = null!;
    private Tensor _rows = null!;

    [Params(8, 128)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        SharedCores.Prepare();
        _fp32 = ModelWeights.Expert(seed: 1, expert: 0, _shape);
        _fp8 = ModelWeights.Expert(seed: 1, expert: 0, _shape with { Precision = ExpertPrecision.FP8 });
        _rows = randn(Rows, _shape.Hidden);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fp32.Dispose();
        _fp8.Dispose();
        _rows.Dispose();
    }

    [Benchmark(Baseline = true)]
    public float Float32Expert() => Last(_fp32);

    [Benchmark]
    public float Fp8Expert() => Last(_fp8);

    private float Last(ExpertFfn expert)
    {
        using var output = expert.Forward(_rows);
        return output[Rows - 1, _shape.Hidden - 1].item<float>();
    }
}
