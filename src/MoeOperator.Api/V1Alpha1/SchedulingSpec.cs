using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>How the group's pods are scheduled. Admission is always all-or-nothing: no pod is created until every rank fits.</summary>
public sealed record SchedulingSpec
{
    /// <summary>How long to wait for the whole group to fit before reporting it as unschedulable (a duration such as 5m).</summary>
    [RegularExpression(Patterns.Duration)]
    [OnChange(SpecChange.InPlace, "applies to the wait in progress: a group waiting longer than the new timeout is reported Unschedulable at once")]
    public string GangTimeout { get; set; } = "5m";

    /// <summary>Scheduler for the pods; set it to use an external gang scheduler (the operator then adds PodGroup labels).</summary>
    [MaxLength(253)]
    public string? SchedulerName { get; set; }

    /// <summary>PriorityClass of the pods.</summary>
    [MaxLength(253)]
    public string? PriorityClassName { get; set; }
}
