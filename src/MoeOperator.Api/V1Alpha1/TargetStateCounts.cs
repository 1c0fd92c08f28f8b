namespace MoeOperator.Api.V1Alpha1;

/// <summary>Storage targets by 3FS target state.</summary>
public sealed record TargetStateCounts
{
    /// <summary>Targets serving reads and writes.</summary>
    public int? Serving { get; set; }

    /// <summary>Targets catching up from their chain.</summary>
    public int? Syncing { get; set; }

    /// <summary>Targets waiting to start syncing.</summary>
    public int? Waiting { get; set; }

    /// <summary>Targets that were the last serving replica of their chain when it stopped.</summary>
    public int? Lastsrv { get; set; }

    /// <summary>Targets that are down.</summary>
    public int? Offline { get; set; }
}
