using MoeOperator.Contract;
using MoeOperator.Contract.Training;
using MoeOperator.Worker.Tensors;
using MoeOperator.Worker.Training;
using MoeOperator.Worker.Training.Checkpoints;

namespace MoeOperator.Worker.Tests.Training;

public sealed class TrainingLoopTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("moe-training-").FullName;

    private sealed class Reports : ITrainingReporter
    {
        public List<TrainingProgressReport> All { get; } = [];

        public void Report(TrainingProgressReport report)
        {
            lock (All)
            {
                All.Add(report);
            }
        }

        /// <summary>Whether a step at or after <paramref name="step"/> was reported (the stop trigger the tests use).</summary>
        public bool Reached(long step)
        {
            lock (All)
            {
                return All.Any(r => r.Step >= step);
            }
        }
    }

    private TrainingConfigDocument Config(string name, int data = 2, int expert = 2) => new()
    {
        Job = name,
        Model = new TrainingModelDocument { VocabSize = 32, Dim = 32, InterDim = 48, MoeInterDim = 16, NLayers = 2, NHeads = 2, NRoutedExperts = 4, NActivatedExperts = 2, KvLoraRank = 16, QkNopeHeadDim = 8, QkRopeHeadDim = 4, VHeadDim = 8 },
        Pipeline = 2,
        Data = data,
        Expert = expert,
        Schedule = "DualPipe",
        Microbatches = 4,
        Steps = 6,
        GlobalBatch = 8,
        SequenceLength = 8,
        LearningRate = 1e-2,
        SyntheticSamples = 40,
        CheckpointDirectory = Path.Combine(_root, name, "checkpoints"),
        CheckpointIntervalSteps = 2,
        CheckpointKeep = 3,
        SampleLogDirectory = Path.Combine(_root, name, "samples"),
    };

    [Fact]
    public void StoppedAndResumed_TrainsTheSameSamplesAndEndsWithTheSameWeights()
    {
        TorchRuntime.EnsureLoaded();
        var straight = Config("straight");
        Run(straight, new Reports()).ShouldBe(TrainingOutcome.Completed);

        var interrupted = Config("interrupted");
        var reports = new Reports();
        Run(interrupted, reports, () => reports.Reached(2)).ShouldBe(TrainingOutcome.Suspended);
        var stoppedAt = reports.All.Last();
        stoppedAt.State.ShouldBe("Suspended");
        stoppedAt.Step.ShouldBeInRange(2, 5, "the stop is honoured at the next step boundary, before the last step");
        stoppedAt.LastCheckpoint!.Step.ShouldBe(stoppedAt.Step, "a stop checkpoints at the step boundary it stops at");
        (stoppedAt.Step % 2).ShouldBe(1, "the stop checkpoint falls between the interval checkpoints");

        var resumed = new Reports();
        Run(interrupted, resumed).ShouldBe(TrainingOutcome.Completed);
        resumed.All[0].ResumedFrom!.Step.ShouldBe(stoppedAt.Step);
        resumed.All.Last().State.ShouldBe("Completed");
        resumed.All.Last().SamplesConsumed.ShouldBe(6 * 8);

        Lines(SamplesByStep(interrupted)).ShouldBe(Lines(SamplesByStep(straight)), "every step trains the samples of the uninterrupted run");
        var allIds = SamplesByStep(straight).Values.SelectMany(ids => ids).ToList();
        allIds.Take(40).Distinct().Count().ShouldBe(40, "the first 40 positions are one epoch: each sample exactly once");
        var expected = Weights(straight);
        var actual = Weights(interrupted);
        actual.Keys.Order(StringComparer.Ordinal).ShouldBe(expected.Keys.Order(StringComparer.Ordinal));
        var different = expected.Where(w => !w.Value.SequenceEqual(actual[w.Key])).Select(w => w.Key).ToList();
        different.ShouldBeEmpty("the resumed run ends with bit-identical weights");
    }

    [Fact]
    public void CorruptedShard_IsSkippedForThePreviousCheckpoint_WithTheReason()
    {
        TorchRuntime.EnsureLoaded();
        var config = Config("corrupt") with { Steps = 4 };
        Run(config, new Reports()).ShouldBe(TrainingOutcome.Completed);
        var newest = Path.Combine(config.CheckpointDirectory!, "step-4", CheckpointStore.ShardName(1));
        var bytes = File.ReadAllBytes(newest);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(newest, bytes);

        var reports = new Reports();
        Run(config with { Steps = 6 }, reports).ShouldBe(TrainingOutcome.Completed);
        var first = reports.All[0];
        first.ResumedFrom!.Step.ShouldBe(2);
        first.SkippedCheckpoints!.ShouldHaveSingleItem().ShouldContain("step-4: shard rank-00001.safetensors does not match its SHA-256");

        var checkpoint = reports.All.Last().LastCheckpoint!;
        var manifest = CheckpointManifest.Parse(File.ReadAllText(Path.Combine(checkpoint.Path, CheckpointManifest.FileName)))!;
        checkpoint.Bytes.ShouldBe(Directory.GetFiles(checkpoint.Path, "*.safetensors").Sum(f => new FileInfo(f).Length), "the size is the shards' size on disk");
        checkpoint.Seconds.ShouldNotBeNull().ShouldBeGreaterThan(0);
        manifest.Seed.ShouldBe(config.Seed);
    }

    [Fact]
    public void EveryStepReports_TheImbalanceOfEveryMoeLayer_FromWhicheverRankHoldsIt()
    {
        TorchRuntime.EnsureLoaded();
        var config = Config("layers") with { Model = Config("layers").Model with { NLayers = 4 }, Steps = 2, CheckpointDirectory = null };
        var reports = new Reports();
        Run(config, reports).ShouldBe(TrainingOutcome.Completed);

        foreach (var report in reports.All.Where(r => r.State == "Running"))
        {
            var layers = report.ExpertImbalanceByLayer.ShouldNotBeNull();
            layers.Keys.Order().ToArray().ShouldBe(new[] { 1, 2, 3 }, "layer 0 is dense; layers 1 to 3 are MoE, split over two pipeline stages and their DualPipe mirrors");
            layers.Values.ShouldAllBe(v => v >= 1.0 && v <= 4.0, "max over mean of 4 experts lies in [1, 4]");
            report.ExpertImbalance.ShouldBe(layers.Values.Max());
        }
    }

    [Fact]
    public void Fp8Experts_TrainLikeFp32Experts_WithinTheRoundingError()
    {
        TorchRuntime.EnsureLoaded();
        var wide = Config("fp32").Model with { Dim = 128, MoeInterDim = 128 };
        var fp32 = new Reports();
        var fp8 = new Reports();
        Run(Config("fp32") with { Model = wide, Steps = 8, CheckpointDirectory = null }, fp32).ShouldBe(TrainingOutcome.Completed);
        Run(Config("fp8") with { Model = wide with { ExpertPrecision = ExpertPrecision.FP8 }, Steps = 8, CheckpointDirectory = null }, fp8).ShouldBe(TrainingOutcome.Completed);

        var exact = fp32.All.Where(r => r.State == "Running").Select(r => r.Loss!.Value).ToList();
        var rounded = fp8.All.Where(r => r.State == "Running").Select(r => r.Loss!.Value).ToList();
        rounded.Count.ShouldBe(8);
        rounded[^1].ShouldBeLessThan(rounded[0], "FP8 experts learn");
        for (var step = 0; step < 8; step++)
        {
            (Math.Abs(rounded[step] - exact[step]) / exact[step]).ShouldBeLessThan(0.05, $"step {step + 1}: FP8 tracks FP32");
        }

        rounded.Zip(exact).ShouldContain(p => p.First != p.Second, "the experts' GEMMs really ran in FP8");
    }

    [Fact]
    public void ResumingUnderAnotherSeed_IsRefused_NamingTheField()
    {
        TorchRuntime.EnsureLoaded();
        var config = Config("seed") with { Steps = 2 };
        Run(config, new Reports()).ShouldBe(TrainingOutcome.Completed);

        var refused = Should.Throw<InvalidOperationException>(() => Run(config with { Steps = 4, Seed = 43 }, new Reports()));

        refused.Message.ShouldContain("this run's seed is 43");
        refused.Message.ShouldContain("spec.training.seed back to 42");
    }

    [Fact]
    public void ResumedWithAnotherDataParallelSize_StillTrainsEachStepsSamples()
    {
        TorchRuntime.EnsureLoaded();
        var straight = Config("dp-straight");
        Run(straight, new Reports());

        var changed = Config("dp-changed");
        var reports = new Reports();
        Run(changed, reports, () => reports.Reached(2)).ShouldBe(TrainingOutcome.Suspended);
        Run(changed with { Data = 1, Expert = 1 }, new Reports()).ShouldBe(TrainingOutcome.Completed);

        var expected = SamplesByStep(straight);
        var actual = SamplesByStep(changed);
        actual.Keys.ShouldBe(expected.Keys);
        foreach (var (step, ids) in expected)
        {
            actual[step].Order().ShouldBe(ids.Order(), $"step {step} trains the same samples with one data rank as with two");
        }
    }

    [Fact]
    public void ResumedWithAnotherPipeline_LoadsEveryLayerFromTheCheckpoint_AndTrainsEachStepsSamples()
    {
        TorchRuntime.EnsureLoaded();
        var straight = Config("pp-straight");
        Run(straight, new Reports());

        var changed = Config("pp-changed");
        var reports = new Reports();
        Run(changed, reports, () => reports.Reached(2)).ShouldBe(TrainingOutcome.Suspended);
        var stoppedAt = reports.All.Last().Step;
        var resumed = new Reports();
        Run(changed with { Pipeline = 1, Schedule = "OneFOneB", Microbatches = 2 }, resumed).ShouldBe(TrainingOutcome.Completed);

        resumed.All[0].ResumedFrom!.Step.ShouldBe(stoppedAt, "one rank now holds every layer, read from the two pipeline ranks' shards");
        var expected = SamplesByStep(straight);
        var actual = SamplesByStep(changed);
        actual.Keys.ShouldBe(expected.Keys);
        foreach (var (step, ids) in expected)
        {
            actual[step].Order().ShouldBe(ids.Order(), $"step {step} trains the same samples after the pipeline changed");
        }
    }

    [Fact]
    public void TrainsFromAPreparedDataSet_WithFallingLoss()
    {
        TorchRuntime.EnsureLoaded();
        var data = Path.Combine(_root, "data");
        using (var writer = new MoeOperator.Contract.Data.TokenDatasetWriter(data, "bytes", 257, 256, shardTokens: 500))
        {
            for (var i = 0; i < 40; i++)
            {
                writer.AddDocument([.. System.Text.Encoding.UTF8.GetBytes($"the quick brown fox {i % 7} jumps over the lazy dog. ").Select(b => (int)b)]);
            }

            writer.Complete();
        }

        var config = Config("dataset") with
        {
            Model = Config("dataset").Model with { VocabSize = 257 },
            SyntheticSamples = null,
            DataDirectory = data,
            Steps = 20,
            SequenceLength = 16,
            CheckpointDirectory = null,
        };
        var reports = new Reports();
        Run(config, reports).ShouldBe(TrainingOutcome.Completed);
        var losses = reports.All.Where(r => r.State == "Running" && r.Loss is not null).Select(r => r.Loss!.Value).ToList();
        losses.Count.ShouldBe(20);
        losses.TakeLast(3).Average().ShouldBeLessThan(losses.Take(3).Average() * 0.7, "the model learns the text");
    }

    private static TrainingOutcome Run(TrainingConfigDocument config, Reports reports, Func<bool>? stop = null) =>
        LocalTraining.Run(config, reports, TextWriter.Synchronized(new StringWriter()), stop ?? (() => false), TimeSpan.FromSeconds(60));

    // The last attempt at a step is the one the final weights include.
    private static SortedDictionary<long, List<long>> SamplesByStep(TrainingConfigDocument config)
    {
        var byStep = new SortedDictionary<long, List<long>>();
        foreach (var file in Directory.GetFiles(config.SampleLogDirectory!).Order(StringComparer.Ordinal))
        {
            var attempts = new Dictionary<long, List<long>>();
            foreach (var line in File.ReadAllLines(file))
            {
                var parts = line.Split(' ').Select(long.Parse).ToArray();
                attempts[parts[0]] = [.. parts.Skip(1)];
            }

            foreach (var (step, ids) in attempts)
            {
                (byStep.TryGetValue(step, out var list) ? list : byStep[step] = []).AddRange(ids);
            }
        }

        return byStep;
    }

    private static List<string> Lines(SortedDictionary<long, List<long>> byStep) => [.. byStep.Select(s => $"{s.Key}: {string.Join(' ', s.Value)}")];

    private static Dictionary<string, float[]> Weights(TrainingConfigDocument config)
    {
        var directory = Path.Combine(config.CheckpointDirectory!, $"step-{config.Steps}");
        var weights = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(directory, "*.safetensors"))
        {
            var (entries, _, start) = SafeTensors.ReadHeader(file);
            foreach (var entry in entries.Where(e => !e.Name.StartsWith("optimizer.", StringComparison.Ordinal)))
            {
                using var tensor = SafeTensors.ReadTensor(file, entry, start);
                weights[entry.Name] = tensor.data<float>().ToArray();
            }
        }

        return weights;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
