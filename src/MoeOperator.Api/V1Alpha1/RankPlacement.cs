namespace MoeOperator.Api.V1Alpha1;

/// <summary>A contiguous range of ranks on one node.</summary>
public sealed record RankPlacement
{
    /// <summary>The node.</summary>
    public string? Node { get; set; }

    /// <summary>First rank on the node.</summary>
    public int? FirstRank { get; set; }

    /// <summary>Ranks on the node.</summary>
    public int? Ranks { get; set; }
}
