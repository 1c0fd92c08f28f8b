namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// A program on this machine that stands in for a container image: containers of the image run it as a real
/// process, with <see cref="Arguments"/> before the container's args (the image's entrypoint, in effect).
/// </summary>
public sealed record LocalProgram(string Executable, IReadOnlyList<string> Arguments)
{
    public LocalProgram(string executable)
        : this(executable, [])
    {
    }
}
