using MoeOperator.Planning.Pipeline;
using MoeOperator.Worker.Tensors;
using MoeOperator.Worker.Training;
using MoeOperator.Worker.Training.Model;
using MoeOperator.Worker.Training.Optim;
using MoeOperator.Worker.Training.Parallel;
using MoeOperator.Worker.Training.Pipeline;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Tests.Training;

/// <summary>What a run recorded per step: the loss and every parameter's gradient (after reduction, before clipping).</summary>
internal sealed record RunRecord(List<double> Losses, List<Dictionary<string, double[]>> Gradients, Dictionary<int, double[]> Biases);

/// <summary>A tiny DeepSeek-V3-shaped model in float64, its data, and two ways to train it: in one plain loop, or as a mesh of pipeline/data/expert ranks on threads.</summary>
internal static class TinyTraining
{
    public const int Sequence = 8;
    public const int GlobalBatch = 16;
    public const long Seed = 7;

    public static readonly ModelArgs Args = new()
    {
        VocabSize = 64,
        Dim = 32,
        InterDim = 48,
        MoeInterDim = 16,
        Layers = 4,
        DenseLayers = 1,
        Heads = 2,
        RoutedExperts = 8,
        SharedExperts = 1,
        ActivatedExperts = 2,
        ExpertGroups = 2,
        LimitedGroups = 1,
        QLoraRank = 12,
        KvLoraRank = 16,
        QkNopeHeadDim = 8,
        QkRopeHeadDim = 4,
        VHeadDim = 8,
        // Large enough that the bias moves routing within three steps, so the balance update is part of what must agree.
        BiasUpdateSpeed = 0.05,
        DType = ScalarType.Float64,
    };

    public static readonly OptimizerSettings Optimizer = new()
    {
        LearningRate = 1e-2,
        MinLearningRate = 1e-3,
        WarmupSteps = 1,
        TotalSteps = 3,
        MaxGradNorm = 1.0,
    };

    /// <summary>
    /// Sequences of Sequence + 1 tokens: ids are the first Sequence, labels the last. Every step trains the same
    /// batch, so three steps must lower its loss.
    /// </summary>
    public static Tensor Batch()
    {
        using var generator = new Generator(1000UL);
        return randint(0, Args.VocabSize, [GlobalBatch, Sequence + 1], generator: generator);
    }

    public static RunRecord OneProcess(int steps)
    {
        TorchRuntime.EnsureLoaded();
        using var model = new StageModel(Args, 0, 1);
        ParameterInit.Apply(model, Seed);
        var parameters = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).OrderBy(p => p.name, StringComparer.Ordinal).ToList();
        var optimizer = new AdamW(Optimizer);
        var record = new RunRecord([], [], []);
        for (var step = 1; step <= steps; step++)
        {
            foreach (var (_, moe) in model.MoeLayers)
            {
                Array.Clear(moe.Load);
            }

            var batch = Batch();
            var logits = model.forward(batch.narrow(1, 0, Sequence));
            var loss = nn.functional.cross_entropy(logits.view(-1, Args.VocabSize), batch.narrow(1, 1, Sequence).reshape(-1));
            var gradients = autograd.grad([loss], [.. parameters.Select(p => p.Item2)], allow_unused: true)
                .Select((g, i) => g is null || g.IsInvalid ? zeros_like(parameters[i].Item2) : g).ToList();
            var norm = Math.Sqrt(gradients.Sum(g => g.pow(HeldScalars.Two).sum().item<double>()));
            var clip = Optimizer.ClipFactor(norm);
            record.Losses.Add(loss.item<double>());
            record.Gradients.Add(parameters.Select((p, i) => (p.name, gradients[i])).ToDictionary(x => x.name, x => Values(x.Item2)));
            optimizer.Step(parameters.Select((p, i) => (p.name, p.Item2, gradients[i].Times(clip))), Optimizer.LearningRateAt(step));
            foreach (var (_, moe) in model.MoeLayers)
            {
                ExpertBalance.Update(moe.Gate.Bias, [.. moe.Load.Select(l => (double)l)], Args.BiasUpdateSpeed);
            }
        }

        foreach (var (layer, moe) in model.MoeLayers)
        {
            record.Biases[layer] = Values(moe.Gate.Bias);
        }

        return record;
    }

    /// <summary>Every rank of the topology on its own thread, exchanging through an in-process mesh.</summary>
    public static RunRecord Mesh(TrainingTopology topology, PipelineVariant variant, int microbatches, int steps)
    {
        TorchRuntime.EnsureLoaded();
        var mesh = new InProcessMesh(topology.WorldSize, TimeSpan.FromSeconds(60));
        var perRank = new RunRecord[topology.WorldSize];
        var failures = new Exception?[topology.WorldSize];
        var threads = Enumerable.Range(0, topology.WorldSize).Select(rank => new Thread(() =>
        {
            try
            {
                perRank[rank] = Train(topology, variant, microbatches, steps, mesh.For(rank));
            }
            catch (Exception e)
            {
                failures[rank] = e;
            }
        })
        { IsBackground = true }).ToList();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        if (failures.Any(f => f is not null))
        {
            throw new AggregateException(failures.Where(f => f is not null)!);
        }

        return Merge(perRank);
    }

    private static RunRecord Train(TrainingTopology topology, PipelineVariant variant, int microbatches, int steps, ITrainingMesh mesh)
    {
        var rank = mesh.Rank;
        using var trainer = new TrainingRank(Args, topology, variant, microbatches, Optimizer, Seed, mesh);
        var record = new RunRecord([], [], []);
        var perData = GlobalBatch / topology.Data;
        var size = perData / microbatches;
        var first = topology.DataIndexOf(rank) * perData;
        for (var step = 1; step <= steps; step++)
        {
            // The batch and the copies read out below are made here, outside the step's own scope.
            using var scope = NewDisposeScope();
            var batch = Batch();
            var result = trainer.Step(step, j =>
            {
                var rows = batch.narrow(0, first + (j * size), size);
                return new Microbatch(rows.narrow(1, 0, Sequence), rows.narrow(1, 1, Sequence));
            });
            record.Losses.Add(result.Loss);
            record.Gradients.Add(trainer.Gradients.ToDictionary(g => g.Key, g => Values(g.Value)));
        }

        foreach (var (layer, bias) in trainer.Biases)
        {
            record.Biases[layer] = Values(bias);
        }

        return record;
    }

    // Ranks holding copies of one parameter must agree exactly; the merged record keeps one copy of each.
    private static RunRecord Merge(RunRecord[] perRank)
    {
        if (perRank.Any(r => r is null))
        {
            throw new InvalidOperationException($"ranks {string.Join(", ", perRank.Select((r, i) => (r, i)).Where(x => x.r is null).Select(x => x.i))} did not finish (see the test output for their exceptions)");
        }

        var merged = new RunRecord(perRank[0].Losses, [], []);
        for (var step = 0; step < merged.Losses.Count; step++)
        {
            var gradients = new Dictionary<string, double[]>(StringComparer.Ordinal);
            foreach (var rank in perRank)
            {
                rank.Losses[step].ShouldBe(merged.Losses[step], "every rank reports the same loss");
                foreach (var (name, values) in rank.Gradients[step])
                {
                    if (gradients.TryGetValue(name, out var seen))
                    {
                        values.ShouldBe(seen, $"{name}: every copy holds the same reduced gradient");
                    }

                    gradients[name] = values;
                }
            }

            merged.Gradients.Add(gradients);
        }

        foreach (var rank in perRank)
        {
            foreach (var (layer, bias) in rank.Biases)
            {
                merged.Biases[layer] = bias;
            }
        }

        return merged;
    }

    private static double[] Values(Tensor t) => t.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
}
