using MoeOperator.Api.V1Alpha1;
using MoeOperator.Contract.Training;

namespace MoeOperator.Controllers.TrainingJobs;

/// <summary>
/// The document every rank of a TrainingJob reads (<see cref="TrainingConfigDocument"/>), built from the spec: the
/// model's DeepSeek-V3 dimensions (with the documented defaults for those left unset), the parallelism, the batch and
/// optimiser settings, and where the pods see the data and the checkpoints.
/// </summary>
internal static class TrainingJobConfig
{
    public static int MicroBatches(ParallelismSpec parallelism)
    {
        ArgumentNullException.ThrowIfNull(parallelism);
        return parallelism.MicroBatches ?? (2 * parallelism.Pipeline);
    }

    public static TrainingModelDocument Model(TrainingModelSpec model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var headDim = model.HiddenSize / model.Heads;
        return new TrainingModelDocument
        {
            VocabSize = model.VocabSize,
            Dim = model.HiddenSize,
            InterDim = model.IntermediateSize ?? (4 * model.HiddenSize),
            MoeInterDim = model.Moe.IntermediateSize,
            NLayers = model.Layers,
            NDenseLayers = model.DenseLayers,
            NHeads = model.Heads,
            NRoutedExperts = model.Moe.Experts,
            NSharedExperts = model.Moe.SharedExperts,
            NActivatedExperts = model.Moe.Topk,
            NExpertGroups = model.Moe.Groups,
            NLimitedGroups = model.Moe.TopkGroups,
            RouteScale = model.Moe.RouteScale,
            QLoraRank = model.QLoraRank,
            KvLoraRank = model.KvLoraRank,
            QkNopeHeadDim = model.QkNopeHeadDim ?? headDim,
            QkRopeHeadDim = model.QkRopeHeadDim ?? Math.Max(2, headDim / 2 / 2 * 2),
            VHeadDim = model.VHeadDim ?? headDim,
            BiasUpdateSpeed = model.Moe.BiasUpdateSpeed,
            ExpertPrecision = model.Moe.ExpertPrecision,
        };
    }

    /// <param name="job">The TrainingJob's name.</param>
    /// <param name="spec">Its spec.</param>
    /// <param name="auditSamples">Whether the ranks log the sample ids they train (the job's audit annotation).</param>
    public static TrainingConfigDocument Document(string job, TrainingJobSpec spec, bool auditSamples)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var checkpoints = spec.Checkpoint is null ? null : TrainingJobNames.CheckpointMount;
        return new TrainingConfigDocument
        {
            Job = job,
            Model = Model(spec.Model),
            Pipeline = spec.Parallelism.Pipeline,
            Data = spec.Parallelism.Data,
            Expert = spec.Parallelism.Expert,
            Schedule = spec.Parallelism.Schedule.ToString(),
            Microbatches = MicroBatches(spec.Parallelism),
            Steps = spec.Training.Steps,
            GlobalBatch = spec.Training.GlobalBatchSize,
            SequenceLength = spec.Training.SequenceLength,
            LearningRate = spec.Training.LearningRate,
            WarmupSteps = spec.Training.WarmupSteps,
            Seed = spec.Training.Seed,
            SyntheticSamples = spec.Data.Synthetic?.Sequences,
            DataDirectory = spec.Data.Synthetic is null ? TrainingJobNames.DataMount : null,
            CheckpointDirectory = checkpoints,
            CheckpointIntervalSteps = spec.Checkpoint?.IntervalSteps ?? 100,
            CheckpointKeep = spec.Checkpoint?.Keep ?? 3,
            Resume = spec.Checkpoint?.Resume ?? false,
            SampleLogDirectory = auditSamples && checkpoints is not null ? $"{checkpoints}/samples" : null,
        };
    }
}
