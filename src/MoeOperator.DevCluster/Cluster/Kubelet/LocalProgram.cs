namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// A program on this machine that stands in for a container image: containers of the image run it as a real
/// process, with <see cref="Arguments"/> before the container's args (the image's entrypoint, in effect) and
/// <see cref="Environment"/> under the container's own variables (the image's ENV, in effect).
/// </summary>
public sealed record LocalProgram(string Executable, IReadOnlyList<string> Arguments)
{
    /// <summary>Variables the program gets unless the container sets them.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Directories of the image, by container path, and the machine directories that stand in for them (read-only).
    /// With them a container's own command runs unchanged: /opt/3fs/bin/admin_cli is a script of the simulator.
    /// </summary>
    public IReadOnlyDictionary<string, string> ImageFiles { get; init; } = new Dictionary<string, string>();

    public LocalProgram(string executable)
        : this(executable, [])
    {
    }
}
