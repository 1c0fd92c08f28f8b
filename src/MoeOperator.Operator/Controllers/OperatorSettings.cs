using MoeOperator.Cli;
using MoeOperator.Planning.Placement;

namespace MoeOperator.Controllers;

/// <summary>Product settings the kinds' builders use, from the operator's flags, and what the kinds' controllers share.</summary>
/// <param name="WorkerImage">The image of the kernel worker that GPU pods run.</param>
internal sealed record OperatorSettings(string WorkerImage)
{
    /// <summary>
    /// The one placement ledger of the operator process: every kind that pins pods to nodes (EPGroup ranks,
    /// ThreeFSCluster daemons) reserves room in it, so no two decisions promise the same GPUs or devices.
    /// </summary>
    public PlacementLedger Ledger { get; init; } = new(TimeProvider.System);

    /// <summary>The worker image when no flag names one: the image of this release, as the chart names it.</summary>
    public static string DefaultWorkerImage { get; } = $"ghcr.io/moe-operator/moe-worker:{VersionCommand.Version}";
}
