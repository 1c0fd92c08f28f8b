using MoeOperator.Api.V1Alpha1;

namespace MoeOperator.Controllers;

/// <summary>A typed status's conditions, kept as metav1.Conditions are: one per type, the transition time moving only when the status does.</summary>
internal static class ConditionList
{
    /// <summary>Sets condition <paramref name="type"/>; false when it already said exactly this (so a rewrite is no change).</summary>
    public static bool Set(List<Condition> conditions, string type, bool? value, string reason, string message, long observedGeneration, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        var status = value switch { true => ConditionStatus.True, false => ConditionStatus.False, null => ConditionStatus.Unknown };
        var index = conditions.FindIndex(c => c.Type == type);
        var existing = index >= 0 ? conditions[index] : null;
        if (existing is not null && existing.Status == status && existing.Reason == reason && existing.Message == message && existing.ObservedGeneration == observedGeneration)
        {
            return false;
        }

        var condition = new Condition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            ObservedGeneration = observedGeneration,
            LastTransitionTime = existing is not null && existing.Status == status ? existing.LastTransitionTime : now,
        };
        if (index >= 0)
        {
            conditions[index] = condition;
        }
        else
        {
            conditions.Add(condition);
        }

        return true;
    }

    /// <summary>The reason of condition <paramref name="type"/>, or null.</summary>
    public static string? Reason(IEnumerable<Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type)?.Reason;

    /// <summary>Condition <paramref name="type"/>, or null.</summary>
    public static Condition? Find(IEnumerable<Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type);
}
