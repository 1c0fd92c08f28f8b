using BenchmarkDotNet.Attributes;
using MoeOperator.Worker.Kernels;
using static TorchSharp.torch;

namespace MoeOperator.Benchmarks.Kernels;

/// <summary>
/// The native FP8 GEMM (D = A * B^T, per-token and per-block scales, float32 out) against TorchSharp's float32
/// matmul of the same shape, both on every core. The ratio column is the comparison; GFLOP/s = 2mnk / time.
/// </summary>
[Config(typeof(InProcessKernelConfig))]
public class Fp8GemmBenchmarks
{
    private Fp8Matrix _a = null!;
    private Fp8Matrix _b = null!;
    private Tensor _aFloat = null!;
    private Tensor _bFloat = null!;

    // The native output buffer, reused as a serving loop would (TorchSharp's matmul reuses LibTorch's allocator's).
    private float[] _d = [];

    [Params("1024x1024x1024", "2048x2048x2048", "1x4096x4096", "16x4096x4096", "64x4096x4096")]
    public string Shape { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        SharedCores.Prepare();
        var dims = Shape.Split('x').Select(int.Parse).ToArray();
        var (m, n, k) = (dims[0], dims[1], dims[2]);
        var random = new Random(1);
        var a = Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var b = Enumerable.Range(0, n * k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        _a = Fp8.QuantizePerToken(a, m, k);
        _b = Fp8.QuantizePerBlock(b, n, k);
        _d = new float[m * n];
        _aFloat = tensor(a, [m, k]);
        _bFloat = tensor(b, [n, k]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _aFloat.Dispose();
        _bFloat.Dispose();
    }

    [Benchmark(Baseline = true)]
    public float TorchFloat32Matmul()
    {
        using var d = matmul(_aFloat, _bFloat.t());
        return d[0, 0].item<float>();
    }

    [Benchmark]
    public float NativeFp8Gemm()
    {
        Fp8Gemm.Multiply(_a, _b, _d);
        return _d[0];
    }

}
