using BenchmarkDotNet.Running;
using MoeOperator.Benchmarks.Scale;

// `scale [options]` is the dev-cluster scale run (one long measurement, not a BenchmarkDotNet benchmark); anything
// else goes to BenchmarkDotNet's switcher.
if (args is ["scale", .. var scaleArgs])
{
    var report = await ScaleRun.RunAsync(ScaleOptions.Parse(scaleArgs), Console.Out, CancellationToken.None);
    Console.WriteLine(report.ToMarkdown());
    return report.Converged ? 0 : 1;
}

BenchmarkSwitcher.FromAssembly(typeof(MoeOperator.Benchmarks.Kernels.Fp8GemmBenchmarks).Assembly).Run(args);
return 0;
