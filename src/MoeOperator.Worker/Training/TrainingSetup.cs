using MoeOperator.Contract.Training;
using MoeOperator.Planning.Pipeline;
using MoeOperator.Worker.Ep;
using MoeOperator.Worker.Training.Data;
using MoeOperator.Worker.Training.Model;
using MoeOperator.Worker.Training.Optim;
using MoeOperator.Worker.Training.Parallel;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training;

/// <summary>The typed pieces of a <see cref="TrainingConfigDocument"/>, checked before any rank starts work.</summary>
public sealed record TrainingSetup(ModelArgs Model, TrainingTopology Topology, PipelineVariant Schedule, BatchPlan Batch, OptimizerSettings Optimizer)
{
    /// <exception cref="WorkerConfigurationException">The document describes a job that cannot run; the message names the field.</exception>
    public static TrainingSetup From(TrainingConfigDocument config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var m = config.Model;
        var model = new ModelArgs
        {
            VocabSize = m.VocabSize,
            Dim = m.Dim,
            InterDim = m.InterDim,
            MoeInterDim = m.MoeInterDim,
            Layers = m.NLayers,
            DenseLayers = m.NDenseLayers,
            Heads = m.NHeads,
            RoutedExperts = m.NRoutedExperts,
            SharedExperts = m.NSharedExperts,
            ActivatedExperts = m.NActivatedExperts,
            ExpertGroups = m.NExpertGroups,
            LimitedGroups = m.NLimitedGroups,
            RouteScale = m.RouteScale,
            QLoraRank = m.QLoraRank,
            KvLoraRank = m.KvLoraRank,
            QkNopeHeadDim = m.QkNopeHeadDim,
            QkRopeHeadDim = m.QkRopeHeadDim,
            VHeadDim = m.VHeadDim,
            BiasUpdateSpeed = m.BiasUpdateSpeed,
            ExpertPrecision = m.ExpertPrecision,
            DType = ScalarType.Float32,
        };
        var schedule = Enum.TryParse<PipelineVariant>(config.Schedule, ignoreCase: true, out var parsed)
            ? parsed
            : throw new WorkerConfigurationException($"schedule '{config.Schedule}' is not DualPipe, DualPipeV or OneFOneB");
        var topology = new TrainingTopology(config.Pipeline, config.Data, config.Expert);
        var batch = new BatchPlan(config.GlobalBatch, config.Data, config.Microbatches);
        var stages = new Pipeline.StageLayout(schedule, config.Pipeline).Stages;
        var problem = model.Problem()
            ?? topology.Problem()
            ?? PipelineScheduler.Problem(schedule, config.Pipeline, config.Microbatches)
            ?? batch.Problem()
            ?? (model.Layers < stages ? $"n_layers ({model.Layers}) must be at least the pipeline stages ({stages})" : null)
            ?? (model.RoutedExperts % config.Expert != 0 ? $"n_routed_experts ({model.RoutedExperts}) must be divisible by the expert-parallel size ({config.Expert})" : null)
            ?? (config.DataDirectory is null == config.SyntheticSamples is null ? "set exactly one of data_directory and synthetic_samples" : null)
            ?? (config.Steps < 1 || config.SequenceLength < 1 ? "steps and sequence_length must be at least 1" : null);
        if (problem is not null)
        {
            throw new WorkerConfigurationException($"the training config cannot run: {problem}");
        }

        var optimizer = new OptimizerSettings
        {
            LearningRate = config.LearningRate,
            MinLearningRate = config.LearningRate / 10,
            WarmupSteps = config.WarmupSteps,
            TotalSteps = (int)Math.Min(int.MaxValue, config.Steps),
        };
        return new TrainingSetup(model, topology, schedule, batch, optimizer);
    }

    /// <summary>The samples the config names: a prepared data set or generated ones.</summary>
    public static ISampleSource Samples(TrainingConfigDocument config, ModelArgs model)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        if (config.DataDirectory is null)
        {
            return new SyntheticSamples(config.SyntheticSamples!.Value, model.VocabSize, config.SequenceLength, config.Seed);
        }

        var dataset = new DatasetSamples(config.DataDirectory, config.SequenceLength);
        if (dataset.VocabSize > model.VocabSize || dataset.Count < 1)
        {
            dataset.Dispose();
            throw new WorkerConfigurationException($"{config.DataDirectory}: its vocabulary ({dataset.VocabSize}) must fit the model's vocab_size ({model.VocabSize}) and it must hold at least one sample of {config.SequenceLength + 1} tokens");
        }

        return dataset;
    }
}
