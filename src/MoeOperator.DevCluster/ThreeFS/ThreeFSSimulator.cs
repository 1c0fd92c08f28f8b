namespace MoeOperator.DevCluster.ThreeFS;

/// <summary>How fast the simulated data plane reacts: heartbeats that lapse, and how long a returning target syncs.</summary>
public sealed record SimTimings(TimeSpan HeartbeatTimeout, TimeSpan SyncDuration)
{
    public static SimTimings Default { get; } = new(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2));
}

/// <summary>
/// The target state machine of 3FS's CRAQ chains (domain notes, upstream design notes), as mgmtd drives it from
/// heartbeats: a target whose storage daemon stops goes OFFLINE, or LASTSRV when it was the chain's last serving
/// replica; when the daemon returns, its targets SYNC from a serving replica and then SERVE, a LASTSRV target
/// serves again at once, and a target whose chain has no serving replica WAITs for the LASTSRV one. Replicas that
/// stop serving move to the chain's tail and every change bumps the chain's version. Pure: time comes in as
/// arguments; every public state change is recorded in <see cref="Transitions"/>.
/// </summary>
public sealed class ThreeFSSimulator(SimState state, SimTimings timings)
{
    public SimState State { get; } = state;

    public List<SimTransition> Transitions { get; } = [];

    /// <summary>
    /// A daemon's heartbeat: registers it on first contact and marks it up. The first beat of a restarted storage
    /// daemon (<paramref name="restarted"/>) takes its targets out of service: they missed writes while it was down,
    /// so they sync from the chain before serving again, unless no other replica serves.
    /// </summary>
    public void Heartbeat(long nodeId, string type, string hostname, DateTimeOffset now, bool restarted = false)
    {
        if (restarted && type == "MGMTD")
        {
            // A starting mgmtd gives every daemon a fresh lease (upstream's bootstrapping period) rather than
            // declaring offline those that could not reach it while it was down.
            foreach (var other in State.Nodes.Values.Where(n => n.Up))
            {
                other.LastHeartbeat = now;
            }
        }

        if (restarted && type == "STORAGE")
        {
            foreach (var (id, target) in State.Targets.Where(t => t.Value.NodeId == nodeId && t.Value.ChainId is not null && t.Value.PublicState == TargetStates.Serving))
            {
                var chain = State.Chains[target.ChainId!.Value];
                if (chain.Targets.Any(t => t != id && State.Targets[t].PublicState == TargetStates.Serving && NodeUp(State.Targets[t].NodeId)))
                {
                    Set(id, target, TargetStates.Offline, now);
                }
            }
        }

        if (!State.Nodes.TryGetValue(nodeId, out var node))
        {
            node = new SimNode { Type = type, Hostname = hostname };
            State.Nodes[nodeId] = node;
        }

        node.Hostname = hostname;
        node.LastHeartbeat = now;
        node.Up = true;
        Advance(now);
    }

    /// <summary>A daemon that stops cleanly tells mgmtd, so its targets go offline without waiting for the heartbeat to lapse.</summary>
    public void Stop(long nodeId, DateTimeOffset now)
    {
        if (State.Nodes.TryGetValue(nodeId, out var node))
        {
            node.Up = false;
        }

        Advance(now);
    }

    /// <summary>Brings every target and chain up to <paramref name="now"/>.</summary>
    public void Advance(DateTimeOffset now)
    {
        bool Lapsed(SimNode n) => n.Up && n.LastHeartbeat is { } last && now - last > timings.HeartbeatTimeout;
        foreach (var node in State.Nodes.Values.Where(n => n.Type == "MGMTD" && Lapsed(n)))
        {
            node.Up = false;
        }

        // Only a running mgmtd judges heartbeats: while none runs, nobody can be declared gone.
        if (State.Nodes.Values.Any(n => n.Type == "MGMTD" && n.Up))
        {
            foreach (var node in State.Nodes.Values.Where(n => n.Type != "MGMTD" && Lapsed(n)))
            {
                node.Up = false;
            }
        }

        // Settle: one change can enable another (a LASTSRV target serving lets a WAITING one sync).
        for (var round = 0; round < 8 && Step(now); round++)
        {
        }
    }

    public bool NodeUp(long nodeId) => State.Nodes.TryGetValue(nodeId, out var node) && node.Up;

    /// <summary>Adds a target to a chain (update-chain --mode add): it syncs from the chain's serving replicas.</summary>
    public void AddToChain(long chainId, long targetId, DateTimeOffset now)
    {
        var chain = State.Chains[chainId];
        var target = State.Targets[targetId];
        target.ChainId = chainId;
        target.AdminOffline = false;
        chain.Targets.Add(targetId);
        chain.Version++;
        Set(targetId, target, Serving(chain).Any() ? TargetStates.Syncing : TargetStates.Serving, now);
        Advance(now);
    }

    /// <summary>Takes a target out of service (offline-target): it stays in its chain, at the tail.</summary>
    public void Offline(long targetId, DateTimeOffset now)
    {
        var target = State.Targets[targetId];
        target.AdminOffline = true;
        Set(targetId, target, TargetStates.Offline, now);
        if (target.ChainId is { } chainId)
        {
            Reorder(State.Chains[chainId]);
        }

        Advance(now);
    }

    public void Set(long targetId, SimTarget target, string publicState, DateTimeOffset now)
    {
        if (target.PublicState == publicState)
        {
            return;
        }

        Transitions.Add(new SimTransition(now, targetId, target.ChainId, target.NodeId, target.PublicState, publicState));
        target.PublicState = publicState;
        target.LocalState = publicState switch
        {
            TargetStates.Serving => "UPTODATE",
            TargetStates.Syncing or TargetStates.Waiting => "ONLINE",
            _ => "OFFLINE",
        };
        target.SyncStarted = publicState == TargetStates.Syncing ? now : null;
        if (target.ChainId is { } chainId && State.Chains.TryGetValue(chainId, out var chain))
        {
            chain.Version++;
        }
    }

    private IEnumerable<long> Serving(SimChain chain) =>
        chain.Targets.Where(t => State.Targets[t].PublicState == TargetStates.Serving && NodeUp(State.Targets[t].NodeId));

    private bool Step(DateTimeOffset now)
    {
        var changed = false;
        foreach (var (chainId, chain) in State.Chains)
        {
            foreach (var id in chain.Targets.ToList())
            {
                var target = State.Targets[id];
                var next = Next(chain, id, target, now);
                if (next != target.PublicState)
                {
                    Set(id, target, next, now);
                    changed = true;
                }
            }

            changed |= Reorder(chain);
        }

        return changed;
    }

    private string Next(SimChain chain, long id, SimTarget target, DateTimeOffset now)
    {
        var othersServing = chain.Targets.Any(t => t != id && State.Targets[t].PublicState == TargetStates.Serving && NodeUp(State.Targets[t].NodeId));
        var othersLastsrv = chain.Targets.Any(t => t != id && State.Targets[t].PublicState == TargetStates.Lastsrv);
        if (target.AdminOffline)
        {
            return TargetStates.Offline;
        }

        if (!NodeUp(target.NodeId))
        {
            return target.PublicState switch
            {
                // Only one replica can be the last to serve, even when several stop together.
                TargetStates.Serving => othersServing || othersLastsrv ? TargetStates.Offline : TargetStates.Lastsrv,
                TargetStates.Syncing or TargetStates.Waiting => TargetStates.Offline,
                _ => target.PublicState,
            };
        }

        return target.PublicState switch
        {
            // The last replica to serve holds the newest data: it serves again as soon as it is back.
            TargetStates.Lastsrv => othersServing ? TargetStates.Syncing : TargetStates.Serving,
            TargetStates.Offline or TargetStates.Waiting => othersServing ? TargetStates.Syncing : othersLastsrv ? TargetStates.Waiting : TargetStates.Serving,
            TargetStates.Syncing when !othersServing => TargetStates.Waiting,
            TargetStates.Syncing when target.SyncStarted is { } started && now - started >= timings.SyncDuration => TargetStates.Serving,
            _ => target.PublicState,
        };
    }

    // Serving replicas first, in their order (the head leads writes); the rest after them.
    private bool Reorder(SimChain chain)
    {
        var ordered = chain.Targets.Where(t => State.Targets[t].PublicState == TargetStates.Serving)
            .Concat(chain.Targets.Where(t => State.Targets[t].PublicState != TargetStates.Serving))
            .ToList();
        if (ordered.SequenceEqual(chain.Targets))
        {
            return false;
        }

        chain.Targets = ordered;
        chain.Version++;
        return true;
    }
}
