using System.Diagnostics;
using System.Globalization;
using MoeOperator.Contract.Training;
using MoeOperator.Worker.Tensors;
using MoeOperator.Worker.Training;

namespace MoeOperator.Worker.Tests.Training;

/// <summary>
/// <c>moe-worker train</c> as the pods of a TrainingJob run it: one process per rank meeting over TCP. A killed rank
/// fails its peers at once; the restarted job resumes from the newest verified checkpoint and trains exactly the
/// samples, and ends with exactly the weights, of a run that was never interrupted. SIGTERM to one rank stops all of
/// them at one step boundary with a checkpoint.
/// </summary>
public sealed class TrainProcessTests : IDisposable
{
    private static readonly TimeSpan _limit = TimeSpan.FromMinutes(3);
    private readonly string _root = Directory.CreateTempSubdirectory("moe-train-").FullName;

    private TrainingConfigDocument Config(string name) => new()
    {
        Job = name,
        Model = new TrainingModelDocument { VocabSize = 64, Dim = 32, InterDim = 64, MoeInterDim = 16, NLayers = 4, NHeads = 2, NRoutedExperts = 8, NActivatedExperts = 2, NExpertGroups = 2, KvLoraRank = 16, QkNopeHeadDim = 8, QkRopeHeadDim = 4, VHeadDim = 8 },
        Pipeline = 2,
        Data = 2,
        Expert = 2,
        Schedule = "DualPipe",
        Microbatches = 4,
        Steps = 40,
        GlobalBatch = 16,
        SequenceLength = 16,
        LearningRate = 3e-3,
        WarmupSteps = 2,
        SyntheticSamples = 2048,
        CheckpointDirectory = Path.Combine(_root, name, "checkpoints"),
        CheckpointIntervalSteps = 5,
        CheckpointKeep = 2,
        SampleLogDirectory = Path.Combine(_root, name, "samples"),
    };

    [Fact]
    public async Task KilledRank_FailsItsPeers_AndTheRestartedJobTrainsTheSameSamplesToTheSameWeights()
    {
        var config = Config("killed");
        var first = Start(config, attempt: 0);
        await WaitForAsync(() => Directory.Exists(Path.Combine(config.CheckpointDirectory!, "step-10")), first);
        first[2].Kill();
        foreach (var rank in new[] { 0, 1, 3 })
        {
            (await first[rank].WaitAsync(_limit)).ShouldBe(1, $"rank {rank} fails when rank 2 dies:\n{first[rank].Output}");
            first[rank].Output.ShouldContain("whose connection is gone");
        }

        new[] { 0, 1, 3 }.ShouldContain(rank => first[rank].Output.Contains("from rank 2, whose connection is gone", StringComparison.Ordinal), "a peer of rank 2 names it");

        var second = Start(config, attempt: 1);
        foreach (var process in second)
        {
            (await process.WaitAsync(_limit)).ShouldBe(0, process.Output);
        }

        var resumedAfter = long.Parse(System.Text.RegularExpressions.Regex.Match(second[0].Output, @"resuming after step (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        resumedAfter.ShouldBeGreaterThanOrEqualTo(10);
        resumedAfter.ShouldBeLessThan(40);
        Uninterrupted().ShouldBe(Result(config), "the restarted job's samples and final weights are the uninterrupted run's");
        Dispose(first, second);
    }

    [Fact]
    public async Task SigtermToOneRank_StopsEveryRankAtOneStepWithACheckpoint_AndTheJobResumesFromIt()
    {
        var config = Config("suspended");
        var first = Start(config, attempt: 0);
        await WaitForAsync(() => Directory.Exists(Path.Combine(config.CheckpointDirectory!, "step-5")), first);
        using (var kill = Process.Start("kill", ["-TERM", first[3].Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        foreach (var process in first)
        {
            (await process.WaitAsync(_limit)).ShouldBe(0, process.Output);
        }

        var stoppedAfter = long.Parse(System.Text.RegularExpressions.Regex.Match(first[0].Output, @"stopped after step (\d+) on request").Groups[1].Value, CultureInfo.InvariantCulture);
        Directory.Exists(Path.Combine(config.CheckpointDirectory!, $"step-{stoppedAfter}")).ShouldBeTrue("the stop wrote its checkpoint");

        var second = Start(config, attempt: 1);
        foreach (var process in second)
        {
            (await process.WaitAsync(_limit)).ShouldBe(0, process.Output);
        }

        second[0].Output.ShouldContain($"resuming after step {stoppedAfter} ");
        Uninterrupted().ShouldBe(Result(config));
        Dispose(first, second);
    }

    private static readonly Lazy<string> _uninterrupted = new(() =>
    {
        TorchRuntime.EnsureLoaded();
        var root = Directory.CreateTempSubdirectory("moe-train-straight-").FullName;
        try
        {
            var test = new TrainProcessTests();
            var config = test.Config("straight") with
            {
                CheckpointDirectory = Path.Combine(root, "checkpoints"),
                SampleLogDirectory = Path.Combine(root, "samples"),
            };
            LocalTraining.Run(config, new TrainingMetrics(), TextWriter.Null, () => false);
            test.Dispose();
            return Result(config);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    });

    private static string Uninterrupted() => _uninterrupted.Value;

    /// <summary>The samples of each step (the last attempt at it) and the SHA-256 of every final shard.</summary>
    private static string Result(TrainingConfigDocument config)
    {
        var lines = new List<string>();
        foreach (var file in Directory.GetFiles(config.SampleLogDirectory!).Order(StringComparer.Ordinal))
        {
            var byStep = new SortedDictionary<long, string>();
            foreach (var line in File.ReadAllLines(file))
            {
                byStep[long.Parse(line[..line.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture)] = line;
            }

            lines.Add($"{Path.GetFileName(file)}: {byStep.Count} steps");
            lines.AddRange(byStep.Values);
        }

        var manifest = File.ReadAllText(Path.Combine(config.CheckpointDirectory!, $"step-{config.Steps}", "manifest.json"));
        lines.AddRange(System.Text.RegularExpressions.Regex.Matches(manifest, "\"sha256\": \"([0-9a-f]+)\"").Select(m => m.Groups[1].Value));
        return string.Join('\n', lines);
    }

    private static WorkerProcess[] Start(TrainingConfigDocument config, int attempt)
    {
        var port = WorkerProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        return [.. Enumerable.Range(0, config.Pipeline * config.Data).Select(rank => WorkerProcess.Start(new Dictionary<string, string>
        {
            [TrainingWorkerEnvironment.Config] = config.ToJson(),
            [TrainingWorkerEnvironment.Rank] = rank.ToString(CultureInfo.InvariantCulture),
            ["MOE_MASTER_ADDR"] = "127.0.0.1",
            ["MOE_MASTER_PORT"] = port,
            ["MOE_RESTART_ATTEMPT"] = attempt.ToString(CultureInfo.InvariantCulture),
            ["POD_IP"] = $"127.0.0.{rank + 1}",
        }, "train"))];
    }

    private static async Task WaitForAsync(Func<bool> condition, WorkerProcess[] processes)
    {
        var deadline = DateTime.UtcNow + _limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline || processes.Any(p => p.HasExited))
            {
                throw new TimeoutException($"the condition did not hold; outputs:\n{string.Join("\n---\n", processes.Select(p => p.Output))}");
            }

            await Task.Delay(50);
        }
    }

    private static void Dispose(params WorkerProcess[][] groups)
    {
        foreach (var process in groups.SelectMany(g => g))
        {
            process.Dispose();
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
