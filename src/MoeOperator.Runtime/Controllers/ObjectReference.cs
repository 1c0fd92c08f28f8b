namespace MoeOperator.Runtime.Controllers;

/// <summary>The key a controller reconciles: an object's namespace ("" when cluster-scoped) and name.</summary>
public sealed record ObjectReference(string Namespace, string Name)
{
    /// <inheritdoc />
    public override string ToString() => Namespace.Length == 0 ? Name : $"{Namespace}/{Name}";
}
