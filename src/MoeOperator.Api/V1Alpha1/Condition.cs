using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>One aspect of an object's state, shaped like metav1.Condition.</summary>
public sealed record Condition
{
    /// <summary>Type of the condition in CamelCase, for example Ready or Scheduled.</summary>
    [Required, MaxLength(316)]
    public string Type { get; set; } = "";

    /// <summary>Status of the condition: True, False or Unknown.</summary>
    [Required]
    public ConditionStatus Status { get; set; } = ConditionStatus.Unknown;

    /// <summary>Machine-readable CamelCase reason for the last transition.</summary>
    [Required, MaxLength(1024)]
    public string Reason { get; set; } = "";

    /// <summary>Human-readable message with details about the transition.</summary>
    [MaxLength(32768)]
    public string? Message { get; set; }

    /// <summary>The metadata.generation the condition was set from.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary>Last time the condition's status changed.</summary>
    [Required]
    public DateTimeOffset LastTransitionTime { get; set; }
}
