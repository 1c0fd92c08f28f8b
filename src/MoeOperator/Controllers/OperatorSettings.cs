using MoeOperator.Cli;

namespace MoeOperator.Controllers;

/// <summary>Product settings the kinds' builders use, from the operator's flags.</summary>
/// <param name="WorkerImage">The image of the kernel worker that GPU pods run.</param>
internal sealed record OperatorSettings(string WorkerImage)
{
    /// <summary>The worker image when no flag names one: the image of this release, as the chart names it.</summary>
    public static string DefaultWorkerImage { get; } = $"ghcr.io/moe-operator/moe-worker:{VersionCommand.Version}";
}
