using BenchmarkDotNet.Running;
using MoeOperator.Benchmarks.Scale;
using MoeOperator.Benchmarks.Training;

// `scale [options]` is the dev-cluster scale run (one long measurement, not a BenchmarkDotNet benchmark), `pipeline`
// the training schedules' comparison; anything else goes to BenchmarkDotNet's switcher.
if (args is ["scale", .. var scaleArgs])
{
    var report = await ScaleRun.RunAsync(ScaleOptions.Parse(scaleArgs), Console.Out, CancellationToken.None);
    Console.WriteLine(report.ToMarkdown());
    return report.Converged ? 0 : 1;
}

// `pipeline [--steps N]` trains the tiny model under each pipeline schedule at PP 4 and prints a table.
if (args is ["pipeline", .. var pipelineArgs])
{
    return PipelineScheduleRun.Run(pipelineArgs, Console.Out);
}

BenchmarkSwitcher.FromAssembly(typeof(MoeOperator.Benchmarks.Kernels.Fp8GemmBenchmarks).Assembly).Run(args);
return 0;
