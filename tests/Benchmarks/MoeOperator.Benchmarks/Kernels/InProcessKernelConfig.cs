using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace MoeOperator.Benchmarks.Kernels;

/// <summary>
/// Kernel benchmarks run inside the host process: the project BenchmarkDotNet would generate does not carry
/// TorchSharp's native LibTorch assets, and the host already has them next to libmoe_kernels.so.
/// </summary>
public sealed class InProcessKernelConfig : ManualConfig
{
    public InProcessKernelConfig() =>
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(6));
}
