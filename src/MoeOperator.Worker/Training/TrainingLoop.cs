using System.Diagnostics;
using System.Globalization;
using MoeOperator.Contract.Training;
using MoeOperator.Worker.Training.Checkpoints;
using MoeOperator.Worker.Training.Data;
using MoeOperator.Worker.Training.Parallel;
using MoeOperator.Worker.Training.Pipeline;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training;

/// <summary>
/// One rank's whole run: resume from the newest verified checkpoint (rank 0 verifies and tells the others), then
/// steps, each training the samples the global sample order puts at this data rank's positions; a checkpoint every
/// interval, at the last step and when any rank was asked to stop, which all ranks learn at the same step boundary.
/// </summary>
public sealed class TrainingLoop(TrainingConfigDocument config, ITrainingMesh mesh, ITrainingReporter reporter, TextWriter log, Func<bool> stopRequested)
{
    public TrainingOutcome Run()
    {
        var setup = TrainingSetup.From(config);
        var timed = new TimedMesh(mesh);
        var world = Enumerable.Range(0, setup.Topology.WorldSize).ToList();
        using var samples = TrainingSetup.Samples(config, setup.Model);
        var order = new SampleOrder(samples.Count, config.Seed);
        using var rank = new TrainingRank(setup.Model, setup.Topology, setup.Schedule, setup.Batch.Microbatches, setup.Optimizer, config.Seed, timed);
        var store = config.CheckpointDirectory is null ? null : new CheckpointStore(config.CheckpointDirectory, config.CheckpointKeep);
        var dataRank = setup.Topology.DataIndexOf(mesh.Rank);
        var pipelineRank = setup.Topology.PipelineIndexOf(mesh.Rank);

        var progress = new TrainingProgressReport { TotalSteps = config.Steps };
        var first = 1L;
        if (store is not null && config.Resume)
        {
            var (resumed, skipped) = Resume(store, rank, world);
            if (resumed is not null)
            {
                first = resumed.Manifest.Step + 1;
                progress = progress with
                {
                    Step = resumed.Manifest.Step,
                    SamplesConsumed = resumed.Manifest.SamplesConsumed,
                    ResumedFrom = new CheckpointReport(resumed.Manifest.Step, resumed.Directory, resumed.Digest),
                    LastCheckpoint = new CheckpointReport(resumed.Manifest.Step, resumed.Directory, resumed.Digest),
                };
            }

            progress = progress with { SkippedCheckpoints = skipped.Count > 0 ? skipped : null };
            if (mesh.Rank == 0)
            {
                log.WriteLine(resumed is null ? "train: no verified checkpoint; starting at step 1" : $"train: resuming after step {resumed.Manifest.Step} from {resumed.Directory}");
                foreach (var reason in skipped)
                {
                    log.WriteLine($"train: checkpoint skipped: {reason}");
                }

                reporter.Report(progress);
            }
        }

        var tokensPerStep = (double)config.GlobalBatch * config.SequenceLength;
        for (var step = first; step <= config.Steps; step++)
        {
            var clock = Stopwatch.StartNew();
            var batches = new Dictionary<int, Microbatch>();
            var result = rank.Step(step, j => batches.TryGetValue(j, out var b) ? b : batches[j] = Load(samples, order, setup.Batch, step, dataRank, j));
            var elapsed = clock.Elapsed;
            if (pipelineRank == 0 && config.SampleLogDirectory is not null)
            {
                LogSamples(order, setup.Batch, step, dataRank);
            }

            var stop = MeshCollectives.AllReduceSum(mesh, world, $"stop/{step}", [stopRequested() ? 1 : 0])[0] > 0;
            progress = progress with
            {
                Step = step,
                Loss = result.Loss,
                TokensPerSecond = tokensPerStep / Math.Max(elapsed.TotalSeconds, 1e-9),
                SamplesConsumed = setup.Batch.Consumed(step),
                ExpertImbalance = result.Imbalance.Count == 0 ? null : result.Imbalance.Values.Max(),
                ExpertImbalanceByLayer = result.Imbalance.Count == 0 ? null : result.Imbalance,
                MeasuredBubble = Math.Min(1.0, timed.TakePipelineWait().TotalSeconds / Math.Max(elapsed.TotalSeconds, 1e-9)),
            };
            if (store is not null && (step % config.CheckpointIntervalSteps == 0 || step == config.Steps || stop))
            {
                var checkpoint = Checkpoint(store, rank, setup, step, world);
                progress = progress with { LastCheckpoint = checkpoint };
            }

            if (mesh.Rank == 0)
            {
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"train: step {step}/{config.Steps} loss {result.Loss:F4} tokens/s {progress.TokensPerSecond:F0} grad-norm {result.GradNorm:F3} lr {result.LearningRate:G3}"));
                reporter.Report(progress);
            }

            if (stop && step < config.Steps)
            {
                if (mesh.Rank == 0)
                {
                    log.WriteLine($"train: stopped after step {step} on request");
                    reporter.Report(progress with { State = "Suspended" });
                }

                return TrainingOutcome.Suspended;
            }
        }

        if (mesh.Rank == 0)
        {
            reporter.Report(progress with { State = "Completed" });
        }

        return TrainingOutcome.Completed;
    }

    private (VerifiedCheckpoint? Checkpoint, IReadOnlyList<string> Skipped) Resume(CheckpointStore store, TrainingRank rank, List<int> world)
    {
        VerifiedCheckpoint? chosen;
        IReadOnlyList<string> skipped = [];
        if (mesh.Rank == 0)
        {
            var (newest, passed) = store.FindNewest();
            chosen = newest;
            skipped = [.. passed.Select(s => $"{Path.GetFileName(s.Directory)}: {s.Reason}")];
            var message = System.Text.Encoding.UTF8.GetBytes(newest?.Directory ?? "");
            foreach (var peer in world.Where(r => r != 0))
            {
                mesh.Send(peer, "resume", message);
            }
        }
        else
        {
            var directory = System.Text.Encoding.UTF8.GetString(mesh.Receive(0, "resume"));
            chosen = directory.Length == 0 ? null : CheckpointStore.Verify(directory).Checkpoint
                ?? throw new InvalidDataException($"rank 0 chose {directory}, which does not verify here: the ranks see different files");
        }

        if (chosen?.Manifest.Seed is { } seed && seed != config.Seed)
        {
            throw new InvalidDataException($"{chosen.Directory} was written by a run with seed {seed}, this run's seed is {config.Seed}: the sample order would change, training some samples twice and others never. Set spec.training.seed back to {seed}, or point spec.checkpoint at a new location to start afresh");
        }

        if (chosen is not null)
        {
            RankCheckpoint.Load(rank, chosen);
        }

        return (chosen, skipped);
    }

    // Every rank writes and flushes its shard; the all-reduce is the barrier after which rank 0 may commit.
    private CheckpointReport? Checkpoint(CheckpointStore store, TrainingRank rank, TrainingSetup setup, long step, List<int> world)
    {
        var started = Stopwatch.StartNew();
        RankCheckpoint.Save(rank, store.ShardPath(step, mesh.Rank), step);
        MeshCollectives.AllReduceSum(mesh, world, $"checkpoint/{step}", [1]);
        if (mesh.Rank != 0)
        {
            return null;
        }

        var parallelism = new CheckpointParallelism(setup.Topology.Pipeline, setup.Topology.Data, setup.Topology.Expert, setup.Schedule.ToString(), setup.Batch.Microbatches);
        var committed = store.Commit(step, setup.Batch.Consumed(step), config.Seed, parallelism, setup.Topology.WorldSize);
        var bytes = committed.Manifest.Shards.Sum(s => s.Bytes);
        var seconds = started.Elapsed.TotalSeconds;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"train: checkpoint {committed.Directory} ({bytes} bytes in {seconds:F2}s, manifest sha256 {committed.Digest})"));
        return new CheckpointReport(step, committed.Directory, committed.Digest) { Bytes = bytes, Seconds = seconds };
    }

    private static Microbatch Load(ISampleSource samples, SampleOrder order, BatchPlan plan, long step, int dataRank, int microbatch)
    {
        var rows = plan.Positions(step, dataRank, microbatch).Select(p => samples.Sample(order.At(p))).ToList();
        var sequence = rows[0].Length - 1;
        var all = tensor(rows.SelectMany(r => r).ToArray(), [rows.Count, sequence + 1]);
        return new Microbatch(all.narrow(1, 0, sequence), all.narrow(1, 1, sequence));
    }

    private void LogSamples(SampleOrder order, BatchPlan plan, long step, int dataRank)
    {
        var ids = Enumerable.Range(0, plan.Microbatches).SelectMany(j => plan.Positions(step, dataRank, j)).Select(order.At);
        Directory.CreateDirectory(config.SampleLogDirectory!);
        File.AppendAllText(Path.Combine(config.SampleLogDirectory!, $"samples-data-{dataRank}.log"), $"{step} {string.Join(' ', ids)}\n");
    }
}
