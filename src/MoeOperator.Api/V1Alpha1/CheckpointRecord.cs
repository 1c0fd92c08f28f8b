namespace MoeOperator.Api.V1Alpha1;

/// <summary>A complete checkpoint.</summary>
public sealed record CheckpointRecord
{
    /// <summary>Step the checkpoint was taken after.</summary>
    public long? Step { get; set; }

    /// <summary>Directory of the checkpoint.</summary>
    public string? Path { get; set; }

    /// <summary>SHA-256 of its manifest, which lists every shard's SHA-256.</summary>
    public string? Digest { get; set; }

    /// <summary>The shards' total size in bytes.</summary>
    public long? SizeBytes { get; set; }

    /// <summary>Seconds from the ranks starting their shards to the renamed directory.</summary>
    public double? DurationSeconds { get; set; }

    /// <summary>When it was completed.</summary>
    public DateTimeOffset? Time { get; set; }
}
