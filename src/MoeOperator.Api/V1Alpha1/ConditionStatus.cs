namespace MoeOperator.Api.V1Alpha1;

/// <summary>The status of a condition.</summary>
public enum ConditionStatus
{
    /// <summary>The condition holds.</summary>
    True,

    /// <summary>The condition does not hold.</summary>
    False,

    /// <summary>It is not known whether the condition holds.</summary>
    Unknown,
}
