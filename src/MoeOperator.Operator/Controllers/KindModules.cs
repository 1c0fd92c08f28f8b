using MoeOperator.Controllers.EPGroups;
using MoeOperator.Controllers.ThreeFSClusters;
using MoeOperator.Controllers.TrainingJobs;

namespace MoeOperator.Controllers;

/// <summary>
/// The kinds this build of the operator reconciles and renders. A kind joins by adding its module here; a kind
/// not listed is still accepted by the API server (its CRD is installed) but nothing acts on it yet, and
/// <c>moe render</c> says so.
/// </summary>
internal static class KindModules
{
    public static IReadOnlyList<IKindModule> All { get; } = [new EPGroupModule(), new ThreeFSClusterModule(), new TrainingJobModule()];
}
