using System.Globalization;
using System.Security.Cryptography;

namespace MoeOperator.Worker.Training.Checkpoints;

/// <summary>A verified checkpoint: its directory, manifest and the SHA-256 of the manifest (the digest status reports).</summary>
public sealed record VerifiedCheckpoint(string Directory, CheckpointManifest Manifest, string Digest);

/// <summary>A checkpoint directory that was passed over, and why.</summary>
public sealed record SkippedCheckpoint(string Directory, string Reason);

/// <summary>
/// The checkpoint directory of a job: each rank writes <c>rank-R.safetensors</c> into <c>.partial-step-N</c>; once all
/// have closed and flushed theirs, rank 0 hashes them, writes the manifest and renames the directory to
/// <c>step-N</c> (an atomic rename on one file system), then deletes all but the newest <c>keep</c>. A reader trusts
/// only a <c>step-N</c> whose manifest matches its files.
/// </summary>
public sealed class CheckpointStore(string root, int keep)
{
    private const string Prefix = "step-";
    private const string PartialPrefix = ".partial-step-";

    public string Root => root;

    public static string ShardName(int rank) => $"rank-{rank:D5}.safetensors";

    /// <summary>Where rank <paramref name="rank"/> writes its shard of <paramref name="step"/>.</summary>
    public string ShardPath(long step, int rank)
    {
        var partial = Path.Combine(root, $"{PartialPrefix}{step}");
        Directory.CreateDirectory(partial);
        return Path.Combine(partial, ShardName(rank));
    }

    /// <summary>Rank 0, after every rank has written its shard: the manifest, the rename, the pruning.</summary>
    public VerifiedCheckpoint Commit(long step, long samplesConsumed, long seed, CheckpointParallelism parallelism, int ranks)
    {
        ArgumentNullException.ThrowIfNull(parallelism);
        var partial = Path.Combine(root, $"{PartialPrefix}{step}");
        var shards = Enumerable.Range(0, ranks).Select(rank =>
        {
            var path = Path.Combine(partial, ShardName(rank));
            if (!File.Exists(path))
            {
                throw new IOException($"checkpoint of step {step}: {path} is missing although every rank reported its shard written");
            }

            return new CheckpointShard(ShardName(rank), new FileInfo(path).Length, Hash(path));
        }).ToList();
        var manifest = new CheckpointManifest { Step = step, SamplesConsumed = samplesConsumed, Seed = seed, Parallelism = parallelism, Shards = shards };
        var manifestPath = Path.Combine(partial, CheckpointManifest.FileName);
        using (var file = new FileStream(manifestPath, FileMode.Create, FileAccess.Write))
        {
            file.Write(System.Text.Encoding.UTF8.GetBytes(manifest.ToJson()));
            file.Flush(flushToDisk: true);
        }

        var final = Path.Combine(root, $"{Prefix}{step}");
        if (Directory.Exists(final))
        {
            // A rerun of the same step (after a restart) replaces the earlier copy rather than failing the job.
            Directory.Delete(final, recursive: true);
        }

        Directory.Move(partial, final);
        Prune(step);
        return new VerifiedCheckpoint(final, manifest, Hash(Path.Combine(final, CheckpointManifest.FileName)));
    }

    /// <summary>The newest checkpoint that verifies, and every newer one skipped with its reason.</summary>
    public (VerifiedCheckpoint? Newest, IReadOnlyList<SkippedCheckpoint> Skipped) FindNewest()
    {
        var skipped = new List<SkippedCheckpoint>();
        foreach (var (_, directory) in Complete().OrderByDescending(c => c.Step))
        {
            var (checkpoint, reason) = Verify(directory);
            if (checkpoint is not null)
            {
                return (checkpoint, skipped);
            }

            skipped.Add(new SkippedCheckpoint(directory, reason!));
        }

        return (null, skipped);
    }

    /// <summary>The checkpoint in <paramref name="directory"/>, or why it cannot be trusted.</summary>
    public static (VerifiedCheckpoint? Checkpoint, string? Reason) Verify(string directory)
    {
        var manifestPath = Path.Combine(directory, CheckpointManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            return (null, "no manifest.json: the checkpoint was never completed");
        }

        CheckpointManifest? manifest;
        try
        {
            manifest = CheckpointManifest.Parse(File.ReadAllText(manifestPath));
        }
        catch (System.Text.Json.JsonException e)
        {
            return (null, $"manifest.json does not parse: {e.Message}");
        }

        if (manifest is null || manifest.Format != CheckpointManifest.CurrentFormat)
        {
            return (null, $"manifest.json is not {CheckpointManifest.CurrentFormat}");
        }

        var expected = Enumerable.Range(0, manifest.Parallelism.Pipeline * manifest.Parallelism.Data).Select(ShardName).ToHashSet(StringComparer.Ordinal);
        if (!expected.SetEquals(manifest.Shards.Select(s => s.File)))
        {
            return (null, $"manifest.json lists {manifest.Shards.Count} shards, the parallelism it records needs {expected.Count}");
        }

        foreach (var shard in manifest.Shards)
        {
            var path = Path.Combine(directory, shard.File);
            if (!File.Exists(path))
            {
                return (null, $"shard {shard.File} is missing");
            }

            var length = new FileInfo(path).Length;
            if (length != shard.Bytes)
            {
                return (null, $"shard {shard.File} has {length} bytes, the manifest says {shard.Bytes}");
            }

            if (Hash(path) != shard.Sha256)
            {
                return (null, $"shard {shard.File} does not match its SHA-256 in the manifest: it was changed or damaged after it was written");
            }
        }

        return (new VerifiedCheckpoint(directory, manifest, Hash(manifestPath)), null);
    }

    private IEnumerable<(long Step, string Directory)> Complete()
    {
        if (!Directory.Exists(root))
        {
            yield break;
        }

        foreach (var directory in Directory.EnumerateDirectories(root, $"{Prefix}*"))
        {
            if (long.TryParse(Path.GetFileName(directory)[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var step))
            {
                yield return (step, directory);
            }
        }
    }

    private void Prune(long newest)
    {
        foreach (var (_, directory) in Complete().OrderByDescending(c => c.Step).Skip(keep))
        {
            Directory.Delete(directory, recursive: true);
        }

        foreach (var partial in Directory.EnumerateDirectories(root, $"{PartialPrefix}*"))
        {
            if (long.TryParse(Path.GetFileName(partial)[PartialPrefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var step) && step < newest)
            {
                Directory.Delete(partial, recursive: true);
            }
        }
    }

    private static string Hash(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }
}
