using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>A toleration of a node taint, as in core/v1.</summary>
public sealed record Toleration
{
    /// <summary>Taint key to tolerate; empty with operator Exists tolerates every taint.</summary>
    [MaxLength(316)]
    public string? Key { get; set; }

    /// <summary>Exists or Equal.</summary>
    public TolerationOperator Operator { get; set; } = TolerationOperator.Equal;

    /// <summary>Taint value to match when the operator is Equal.</summary>
    [MaxLength(63)]
    public string? Value { get; set; }

    /// <summary>Taint effect to match; empty matches every effect.</summary>
    public TaintEffect? Effect { get; set; }

    /// <summary>How long a NoExecute taint is tolerated before eviction; unset means forever.</summary>
    public long? TolerationSeconds { get; set; }
}
