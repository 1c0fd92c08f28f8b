namespace MoeOperator.Api.V1Alpha1;

/// <summary>Which EPLB algorithm places expert replicas.</summary>
public enum EplbPolicy
{
    /// <summary>Hierarchical when the expert groups divide evenly over nodes, global otherwise.</summary>
    Auto,

    /// <summary>Pack expert groups onto nodes, then replicate and pack within each node.</summary>
    Hierarchical,

    /// <summary>Replicate and pack over all GPUs at once.</summary>
    Global,
}
