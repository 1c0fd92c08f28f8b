using MoeOperator.Api.V1Alpha1;
using MoeOperator.Controllers.ThreeFSClusters.AdminCli;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// The storage side of a cluster's status, from what admin_cli lists: targets by public state and chains by
/// health. A chain serves fully when it has its full replica count and every replica is SERVING; it is degraded
/// when at least one replica serves; unavailable when none does (its data cannot be read until a replica returns).
/// </summary>
internal sealed record ThreeFSHealth(TargetStateCounts Targets, ChainStateCounts Chains)
{
    public bool AllChainsServing => Chains.Total > 0 && Chains.Serving == Chains.Total;

    public static ThreeFSHealth From(IReadOnlyList<AdminCliChain> chains, int replicationFactor)
    {
        ArgumentNullException.ThrowIfNull(chains);
        var replicas = chains.SelectMany(c => c.Replicas).ToList();
        int Targets(string state) => replicas.Count(r => r.PublicState == state);
        var serving = chains.Count(c => c.Replicas.Count >= replicationFactor && c.Replicas.All(r => r.PublicState == "SERVING"));
        var unavailable = chains.Count(c => c.Replicas.All(r => r.PublicState != "SERVING"));
        return new ThreeFSHealth(
            new TargetStateCounts
            {
                Serving = Targets("SERVING"),
                Syncing = Targets("SYNCING"),
                Waiting = Targets("WAITING"),
                Lastsrv = Targets("LASTSRV"),
                Offline = Targets("OFFLINE"),
            },
            new ChainStateCounts
            {
                Total = chains.Count,
                Serving = serving,
                Degraded = chains.Count - serving - unavailable,
                Unavailable = unavailable,
            });
    }
}
