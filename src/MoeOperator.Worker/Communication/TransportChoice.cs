using MoeOperator.Contract;
using MoeOperator.Worker.Ep;

namespace MoeOperator.Worker.Communication;

/// <summary>
/// The transport a pod's ranks use, decided from MOE_TRANSPORT and whether the node gives the pod a GPU. This worker
/// has the TCP transport only: a backend it lacks fails the pod with the reason and the fix, never a silent
/// fallback to TCP where the user asked for (or a GPU node implies) a GPU transport.
/// </summary>
public sealed record TransportChoice(TransportBackend Requested, string Description)
{
    public static TransportChoice Tcp { get; } = new(TransportBackend.TCP, "TCP");

    public static TransportChoice Resolve(TransportBackend requested, bool gpuVisible, int? communicationSMs) => requested switch
    {
        TransportBackend.TCP => Tcp,
        TransportBackend.Auto when !gpuVisible => new(requested, "TCP (Auto, no GPU visible)"),
        TransportBackend.Auto => throw Missing(
            $"{WorkerEnvironment.Transport}=Auto means NVSHMEM on a node with GPUs (NVIDIA_VISIBLE_DEVICES is set)", communicationSMs),
        _ => throw Missing($"{WorkerEnvironment.Transport}={requested}", communicationSMs),
    };

    /// <summary>Whether the container runtime gave this process a GPU (the NVIDIA runtime sets NVIDIA_VISIBLE_DEVICES).</summary>
    public static bool GpuVisible(System.Collections.IDictionary environment) =>
        environment?["NVIDIA_VISIBLE_DEVICES"] is string { Length: > 0 } devices
        && !devices.Equals("void", StringComparison.OrdinalIgnoreCase)
        && !devices.Equals("none", StringComparison.OrdinalIgnoreCase);

    private static WorkerConfigurationException Missing(string what, int? communicationSMs) => new(
        $"{what}{(communicationSMs is { } sms ? $" with {WorkerEnvironment.CommunicationSMs}={sms}" : "")}, but this worker has only the TCP transport; " +
        "set spec.transport.backend: TCP to run this group over TCP, or use a worker image built with that backend");
}
