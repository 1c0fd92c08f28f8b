using System.Globalization;
using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Checkpoints;

/// <summary>
/// What one rank saves and restores: its parameters and buffers under their whole-model names, and AdamW's moments
/// as <c>optimizer.exp_avg.NAME</c> and <c>optimizer.exp_avg_sq.NAME</c>. Loading looks tensors up by name across
/// every shard of the checkpoint, so a job may resume with another data-parallel or expert-parallel size.
/// </summary>
public static class RankCheckpoint
{
    private const string FirstMoment = "optimizer.exp_avg.";
    private const string SecondMoment = "optimizer.exp_avg_sq.";
    private const string OptimizerSteps = "optimizer_steps";

    public static void Save(TrainingRank rank, string path, long step)
    {
        ArgumentNullException.ThrowIfNull(rank);
        var tensors = new List<(string, Tensor)>();
        tensors.AddRange(rank.Parameters.Select(p => (p.Key, p.Value)));
        tensors.AddRange(rank.Buffers.Select(b => (b.Key, b.Value)));
        foreach (var (name, (first, second)) in rank.Optimizer.Moments.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            tensors.Add((FirstMoment + name, first));
            tensors.Add((SecondMoment + name, second));
        }

        SafeTensors.Write(path, tensors, new Dictionary<string, string>
        {
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
            [OptimizerSteps] = rank.Optimizer.Steps.ToString(CultureInfo.InvariantCulture),
        });
    }

    /// <exception cref="InvalidDataException">The checkpoint lacks a tensor this rank needs, or holds it in another shape.</exception>
    public static void Load(TrainingRank rank, VerifiedCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(rank);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var index = new Dictionary<string, (string Path, SafeTensorEntry Entry, long DataStart)>(StringComparer.Ordinal);
        long? optimizerSteps = null;
        foreach (var shard in checkpoint.Manifest.Shards)
        {
            var path = Path.Combine(checkpoint.Directory, shard.File);
            var (entries, metadata, dataStart) = SafeTensors.ReadHeader(path);
            foreach (var entry in entries)
            {
                index.TryAdd(entry.Name, (path, entry, dataStart));
            }

            if (metadata.TryGetValue(OptimizerSteps, out var text))
            {
                optimizerSteps = long.Parse(text, CultureInfo.InvariantCulture);
            }
        }

        Tensor Read(string name, Tensor like)
        {
            if (!index.TryGetValue(name, out var found))
            {
                throw new InvalidDataException($"{checkpoint.Directory} has no tensor {name}: it was written for another model; resume from a checkpoint of this model or start without one");
            }

            var tensor = SafeTensors.ReadTensor(found.Path, found.Entry, found.DataStart);
            if (!tensor.shape.SequenceEqual(like.shape))
            {
                throw new InvalidDataException($"{checkpoint.Directory}: {name} is [{string.Join(", ", tensor.shape)}], this model's is [{string.Join(", ", like.shape)}]");
            }

            return tensor.to_type(like.dtype);
        }

        using (no_grad())
        {
            foreach (var (name, tensor) in rank.Parameters.Concat(rank.Buffers))
            {
                using var saved = Read(name, tensor);
                tensor.copy_(saved);
            }
        }

        var moments = rank.Parameters.Where(p => index.ContainsKey(FirstMoment + p.Key))
            .ToDictionary(p => p.Key, p => (Read(FirstMoment + p.Key, p.Value), Read(SecondMoment + p.Key, p.Value)), StringComparer.Ordinal);
        rank.Optimizer.Load(optimizerSteps ?? 0, moments);
    }
}
