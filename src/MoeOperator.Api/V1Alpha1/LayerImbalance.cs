namespace MoeOperator.Api.V1Alpha1;

/// <summary>The expert load balance of one MoE layer at the last step.</summary>
public sealed record LayerImbalance
{
    /// <summary>Index of the transformer layer (dense layers come first).</summary>
    public int Layer { get; set; }

    /// <summary>Max over mean tokens per routed expert (1 is perfectly balanced).</summary>
    public double Imbalance { get; set; }
}
