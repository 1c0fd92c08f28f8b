namespace MoeOperator.Api.V1Alpha1;

/// <summary>The last failure that caused a restart, kept so its cause is never lost.</summary>
public sealed record FailureRecord
{
    /// <summary>CamelCase reason, for example PodFailed or NodeLost.</summary>
    public string? Reason { get; set; }

    /// <summary>What happened, in words.</summary>
    public string? Message { get; set; }

    /// <summary>The pod that failed.</summary>
    public string? Pod { get; set; }

    /// <summary>The rank that failed, where ranks have one pod each (TrainingJob).</summary>
    public int? Rank { get; set; }

    /// <summary>The node the failed pod ran on.</summary>
    public string? Node { get; set; }

    /// <summary>When the failure was observed.</summary>
    public DateTimeOffset? Time { get; set; }

    /// <summary>The failed container's last log lines.</summary>
    public List<string>? LogTail { get; set; }
}
