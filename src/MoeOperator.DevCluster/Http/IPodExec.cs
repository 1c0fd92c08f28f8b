using System.Diagnostics;

namespace MoeOperator.DevCluster.Http;

/// <summary>Where pods/exec runs commands (the kubelet of the dev cluster).</summary>
public interface IPodExec
{
    /// <summary>
    /// Starts <paramref name="command"/> in a running container of the pod (the first when <paramref name="container"/>
    /// is null), its stdin, stdout and stderr redirected.
    /// </summary>
    /// <exception cref="Semantics.ApiException">404 for a pod or container that does not exist, 400 for one not running.</exception>
    Process Exec(string ns, string pod, string? container, IReadOnlyList<string> command);
}
