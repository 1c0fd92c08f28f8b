namespace MoeOperator.Api.V1Alpha1;

/// <summary>The effect of a node taint.</summary>
public enum TaintEffect
{
    /// <summary>New pods are not scheduled.</summary>
    NoSchedule,

    /// <summary>The scheduler avoids the node.</summary>
    PreferNoSchedule,

    /// <summary>Running pods are evicted.</summary>
    NoExecute,
}
