namespace MoeOperator.DevCluster.Semantics;

/// <summary>The Content-Type values that select a patch type.</summary>
public static class PatchTypes
{
    public const string Json = "application/json-patch+json";
    public const string Merge = "application/merge-patch+json";
    public const string Strategic = "application/strategic-merge-patch+json";
    public const string Apply = "application/apply-patch+yaml";
}
