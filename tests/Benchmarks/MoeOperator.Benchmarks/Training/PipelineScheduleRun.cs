using System.Diagnostics;
using System.Globalization;
using MoeOperator.Contract.Training;
using MoeOperator.Planning.Pipeline;
using MoeOperator.Worker.Tensors;
using MoeOperator.Worker.Training;

namespace MoeOperator.Benchmarks.Training;

/// <summary>
/// `pipeline`: the same tiny MoE trained at pipeline 4 under 1F1B, DualPipe and DualPipeV in one run (every rank a
/// thread of this process), reporting the median tokens/s over the steps after the first two, the bubble rank 0
/// measured (its share of the step spent waiting for neighbours) and the schedule's simulated bubble with the
/// DualPipe README's formula (F = 1, B = 2, W = 1), and each schedule's throughput as a ratio to 1F1B's.
/// </summary>
internal static class PipelineScheduleRun
{
    private sealed class Collector : ITrainingReporter
    {
        public List<TrainingProgressReport> Reports { get; } = [];

        public void Report(TrainingProgressReport report)
        {
            lock (Reports)
            {
                Reports.Add(report);
            }
        }
    }

    public static int Run(string[] args, TextWriter output)
    {
        var steps = args is ["--steps", var text, ..] ? int.Parse(text, CultureInfo.InvariantCulture) : 12;
        TorchRuntime.EnsureLoaded();
        output.WriteLine("| schedule | tokens/s (median) | vs 1F1B | measured bubble (rank 0) | simulated bubble / step | formula |");
        output.WriteLine("| --- | --- | --- | --- | --- | --- |");
        double? baseline = null;
        foreach (var (variant, name) in new[] { (PipelineVariant.OneFOneB, "1F1B"), (PipelineVariant.DualPipe, "DualPipe"), (PipelineVariant.DualPipeV, "DualPipeV") })
        {
            var config = Config(variant, steps);
            var collector = new Collector();
            var clock = Stopwatch.StartNew();
            LocalTraining.Run(config, collector, TextWriter.Null, () => false);
            var running = collector.Reports.Where(r => r.State == "Running" && r.Step > 2).ToList();
            var tokens = Median(running.Select(r => r.TokensPerSecond ?? 0));
            var bubble = Median(running.Select(r => r.MeasuredBubble ?? 0));
            baseline ??= tokens;
            var schedule = PipelineScheduler.Plan(variant, 4, 8);
            var timeline = PipelineSimulation.Run(schedule, variant == PipelineVariant.DualPipeV ? 8 : 4, new PipelineCosts());
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {tokens:F0} | {tokens / baseline:F2}x | {bubble:F3} | {timeline.Bubble / timeline.Makespan:F3} ({timeline.Bubble:F0} of {timeline.Makespan:F0}) | {PipelineSimulation.Describe(variant)} = {PipelineSimulation.Formula(variant, 4, new PipelineCosts()):F0} |"));
            Console.Error.WriteLine($"{name}: {clock.Elapsed.TotalSeconds:F1} s");
        }

        return 0;
    }

    // Eight layers (DualPipeV needs two per rank), eight micro-batches of 2 sequences of 64 tokens.
    private static TrainingConfigDocument Config(PipelineVariant variant, int steps) => new()
    {
        Job = $"bench-{variant}",
        Model = new TrainingModelDocument { VocabSize = 512, Dim = 128, InterDim = 256, MoeInterDim = 64, NLayers = 8, NHeads = 4, NRoutedExperts = 8, NActivatedExperts = 2, NExpertGroups = 2, KvLoraRank = 32, QkNopeHeadDim = 32, QkRopeHeadDim = 16, VHeadDim = 32 },
        Pipeline = 4,
        Data = 1,
        Expert = 1,
        Schedule = variant.ToString(),
        Microbatches = 8,
        Steps = steps,
        GlobalBatch = 16,
        SequenceLength = 64,
        LearningRate = 1e-3,
        SyntheticSamples = 100000,
    };

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }
}
