namespace MoeOperator.DevCluster.Storage;

/// <summary>Where one object is stored: its group and resource, namespace ("" when cluster-scoped) and name.</summary>
public sealed record ObjectKey(string GroupResource, string Namespace, string Name)
{
    /// <inheritdoc />
    public override string ToString() => Namespace.Length == 0 ? $"{GroupResource}/{Name}" : $"{GroupResource}/{Namespace}/{Name}";
}
