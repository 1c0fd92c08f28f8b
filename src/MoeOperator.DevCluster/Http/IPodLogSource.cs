namespace MoeOperator.DevCluster.Http;

/// <summary>Where pod logs come from (the kubelet of the dev cluster); null means the container has no log yet.</summary>
public interface IPodLogSource
{
    /// <summary>The log of one container of a pod, of its previous run when <paramref name="previous"/> is set.</summary>
    string? ReadLog(string ns, string pod, string? container, bool previous);
}
