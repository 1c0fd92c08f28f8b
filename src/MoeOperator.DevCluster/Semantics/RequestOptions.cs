namespace MoeOperator.DevCluster.Semantics;

/// <summary>Query options of a write request.</summary>
/// <param name="DryRun">Validate and answer, but store nothing.</param>
/// <param name="FieldValidation">Strict, Warn or Ignore: what to do with fields the schema does not declare.</param>
/// <param name="FieldManager">The writer's name, recorded in managedFields.</param>
public sealed record RequestOptions(bool DryRun = false, string FieldValidation = "Warn", string? FieldManager = null)
{
    /// <summary>Defaults.</summary>
    public static RequestOptions Default { get; } = new();
}
