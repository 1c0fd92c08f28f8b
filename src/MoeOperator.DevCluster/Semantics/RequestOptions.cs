namespace MoeOperator.DevCluster.Semantics;

/// <summary>Query options of a write request.</summary>
/// <param name="DryRun">Validate and answer, but store nothing.</param>
/// <param name="FieldValidation">Strict, Warn or Ignore: what to do with fields the schema does not declare.</param>
/// <param name="FieldManager">The writer's name, recorded in managedFields.</param>
/// <param name="Force">Server-side apply takes the fields other managers own instead of answering 409.</param>
/// <param name="Subresource">The subresource other than status a write came through (scale), recorded in managedFields.</param>
public sealed record RequestOptions(bool DryRun = false, string FieldValidation = "Warn", string? FieldManager = null, bool Force = false, string? Subresource = null)
{
    /// <summary>Defaults.</summary>
    public static RequestOptions Default { get; } = new();
}
