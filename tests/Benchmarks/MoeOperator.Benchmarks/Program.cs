using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(MoeOperator.Benchmarks.Kernels.Fp8GemmBenchmarks).Assembly).Run(args);
