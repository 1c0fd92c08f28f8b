namespace MoeOperator.Tests.Controllers.ThreeFSClusters;

/// <summary>
/// The 3FS dev-cluster tests each run a cluster of simulated daemons and admin Jobs (real processes). They run one
/// at a time and after the other tests of this assembly, so they never crowd a small machine's CPUs into timeouts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreeFSDevClusterCollection
{
    public const string Name = "3FS dev clusters";
}
