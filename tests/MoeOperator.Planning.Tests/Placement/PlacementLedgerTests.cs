using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using MoeOperator.Planning.Placement;

namespace MoeOperator.Planning.Tests.Placement;

public sealed class PlacementLedgerTests
{
    private const string Gpu = "nvidia.com/gpu";

    /// <summary>
    /// A simulated cluster around the ledger: nodes with GPUs; pods created pinned to a node, bound later by a
    /// scheduler that binds only when the node has room; an informer cache that lags behind (a gang's reconcile sees
    /// only what it was shown). Every gang's planner sees bound pods plus the ledger's reservations of pods not yet
    /// bound, exactly as the EPGroup reconciler builds its candidates.
    /// </summary>
    private sealed class World(int nodes, int gpusPerNode, FakeTimeProvider clock)
    {
        public PlacementLedger Ledger { get; } = new(clock);

        public int GpusPerNode { get; } = gpusPerNode;

        public List<string> Nodes { get; } = [.. Enumerable.Range(0, nodes).Select(i => $"node-{i}")];

        // Pod name -> (owner, node, gpus, bound).
        public Dictionary<string, (string Owner, string Node, int Gpus, bool Bound)> Pods { get; } = new(StringComparer.Ordinal);

        // What each gang decided and has not created yet (the reconcile is between its decision and its creates).
        public Dictionary<string, GangAdmission> Decided { get; } = new(StringComparer.Ordinal);

        public int Unbindable { get; set; }

        public GangPlanner Planner(string owner, int nodesNeeded, int gpus) => reserved =>
        {
            var used = Nodes.ToDictionary(n => n, _ => 0, StringComparer.Ordinal);
            foreach (var pod in Pods.Values.Where(p => p.Bound))
            {
                used[pod.Node] += pod.Gpus;
            }

            foreach (var reservation in reserved.Where(r => !(Pods.TryGetValue(r.Pod, out var p) && p.Bound)))
            {
                used[reservation.Node] += (int)reservation.Requests[Gpu];
            }

            var decision = GangPlacement.Place(
                new PlacementRequest(nodesNeeded, 1, gpus),
                [.. Nodes.Select(n => new CandidateNode(n, new Dictionary<string, string>(), GpusPerNode, used[n]))]);
            return new GangAttempt(decision, [.. decision.Nodes.Select((n, i) => new PlannedPod($"{owner}-{i}", n, new Dictionary<string, decimal> { [Gpu] = gpus }))]);
        };

        /// <summary>Bound GPUs plus GPUs reserved for pods not yet bound, per node: what is promised.</summary>
        public Dictionary<string, int> Committed()
        {
            var committed = Nodes.ToDictionary(n => n, _ => 0, StringComparer.Ordinal);
            foreach (var pod in Pods.Values.Where(p => p.Bound))
            {
                committed[pod.Node] += pod.Gpus;
            }

            foreach (var reservation in Ledger.Reservations.Where(r => !(Pods.TryGetValue(r.Pod, out var p) && p.Bound)))
            {
                committed[reservation.Node] += (int)reservation.Requests[Gpu];
            }

            return committed;
        }

        public void Bind(string pod)
        {
            var (owner, node, gpus, bound) = Pods[pod];
            if (bound)
            {
                return;
            }

            var used = Pods.Values.Where(p => p.Bound && p.Node == node).Sum(p => p.Gpus);
            if (used + gpus > GpusPerNode)
            {
                // The scheduler would leave it Pending: exactly what the ledger must prevent.
                Unbindable++;
                return;
            }

            Pods[pod] = (owner, node, gpus, true);
        }
    }

    [Fact]
    public void RandomInterleavingsOfPlaceObserveAndRelease_NeverOverCommitANode()
    {
        for (var seed = 0; seed < 3000; seed++)
        {
            var random = new Random(seed);
            var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero));
            var world = new World(random.Next(2, 9), random.Next(1, 3) * 4, clock);
            var gangs = Enumerable.Range(0, random.Next(2, 12))
                .Select(g => (Owner: $"epgroup/ns/g{g.ToString(CultureInfo.InvariantCulture)}", Nodes: random.Next(1, 4), Gpus: random.Next(1, world.GpusPerNode + 1), Created: clock.GetUtcNow().AddSeconds(g)))
                .ToList();
            for (var step = 0; step < 150; step++)
            {
                var gang = gangs[random.Next(gangs.Count)];
                var mine = world.Pods.Where(p => p.Value.Owner == gang.Owner).Select(p => p.Key).ToList();
                switch (random.Next(7))
                {
                    case 6 when mine.Count > 0:
                        // A reconcile on a stale cache that does not show the gang's pods decides again; its status
                        // write then fails (resourceVersion), so nothing is created from this decision.
                        world.Ledger.Admit(gang.Owner, gang.Created, world.Planner(gang.Owner, gang.Nodes, gang.Gpus));
                        break;
                    case 0 when mine.Count == 0 && !world.Decided.ContainsKey(gang.Owner):
                        // A reconcile decides; its creates come in a later step, as a worker's next await would.
                        var admission = world.Ledger.Admit(gang.Owner, gang.Created, world.Planner(gang.Owner, gang.Nodes, gang.Gpus));
                        if (admission.IsPlaced)
                        {
                            world.Decided[gang.Owner] = admission;
                        }

                        break;
                    case 1 when world.Decided.Remove(gang.Owner, out var decided) && random.Next(5) == 0:
                        // The decision's status write failed: nothing is created from it, and it is abandoned.
                        world.Ledger.Abandon(gang.Owner, decided);
                        break;
                    case 1 when world.Decided.Remove(gang.Owner, out var decided):
                        foreach (var pod in decided.Placed!.Pods)
                        {
                            world.Pods[pod.Pod] = (gang.Owner, pod.Node, (int)pod.Requests[Gpu], false);
                        }

                        break;
                    case 2:
                        foreach (var pod in world.Pods.Keys.Where(_ => random.Next(2) == 0).ToList())
                        {
                            world.Bind(pod);
                        }

                        break;
                    case 3:
                        // The owner's reconcile sees its pods bound (the cache caught up).
                        foreach (var pod in mine)
                        {
                            world.Ledger.Observe(pod, world.Pods[pod].Bound, active: true);
                        }

                        break;
                    case 4 when random.Next(4) == 0:
                        // The gang is deleted: its pods go, and its reconcile releases it.
                        foreach (var pod in mine)
                        {
                            world.Pods.Remove(pod);
                        }

                        world.Decided.Remove(gang.Owner);
                        world.Ledger.Release(gang.Owner);
                        break;
                    default:
                        clock.Advance(TimeSpan.FromMilliseconds(random.Next(0, 500)));
                        break;
                }

                foreach (var (node, committed) in world.Committed())
                {
                    committed.ShouldBeLessThanOrEqualTo(world.GpusPerNode, $"seed {seed}, step {step}: {node} promised {committed} of {world.GpusPerNode} GPUs");
                }
            }

            world.Unbindable.ShouldBe(0, $"seed {seed}: a pinned pod found its node full");
        }
    }

    [Fact]
    public void TwoGangsDecidingBeforeEitherCreatesItsPods_GetDifferentNodes()
    {
        var clock = new FakeTimeProvider();
        var world = new World(nodes: 4, gpusPerNode: 8, clock);

        var first = world.Ledger.Admit("epgroup/ns/a", clock.GetUtcNow(), world.Planner("epgroup/ns/a", 2, 8));
        var second = world.Ledger.Admit("epgroup/ns/b", clock.GetUtcNow().AddSeconds(1), world.Planner("epgroup/ns/b", 2, 8));

        first.Placed!.Decision.Nodes.Intersect(second.Placed!.Decision.Nodes).ShouldBeEmpty();
    }

    [Fact]
    public void GangsThatDoNotFit_WaitInCreationOrder_AndFreedRoomGoesToTheOldestFirst()
    {
        var clock = new FakeTimeProvider();
        var world = new World(nodes: 2, gpusPerNode: 8, clock);
        var woken = new List<string>();
        world.Ledger.AddWaker("epgroup/", woken.Add);
        var t0 = clock.GetUtcNow();
        world.Ledger.Admit("epgroup/ns/a", t0, world.Planner("epgroup/ns/a", 2, 8)).IsPlaced.ShouldBeTrue();

        var b = world.Ledger.Admit("epgroup/ns/b", t0.AddSeconds(1), world.Planner("epgroup/ns/b", 2, 8));
        var c = world.Ledger.Admit("epgroup/ns/c", t0.AddSeconds(2), world.Planner("epgroup/ns/c", 2, 8));
        b.IsPlaced.ShouldBeFalse();
        b.Ahead.ShouldBe(0);
        b.WaitingReason.ShouldBe("needs 2 nodes with 8 free GPUs each; 0 of 2 qualify: 2 with fewer than 8 free GPUs");
        c.Ahead.ShouldBe(1);
        world.Ledger.Waiting.ShouldBe(["epgroup/ns/b", "epgroup/ns/c"]);

        // a goes; the next gang to ask is c, but the room is b's: b is placed, held and woken, c waits on.
        world.Ledger.Release("epgroup/ns/a");
        var again = world.Ledger.Admit("epgroup/ns/c", t0.AddSeconds(2), world.Planner("epgroup/ns/c", 2, 8));
        again.IsPlaced.ShouldBeFalse();
        woken.ShouldBe(["epgroup/ns/b"]);
        world.Ledger.Admit("epgroup/ns/b", t0.AddSeconds(1), world.Planner("epgroup/ns/b", 2, 8)).IsPlaced.ShouldBeTrue("b takes what was held for it");
    }

    [Fact]
    public void APlacementThatWasNotCarriedOut_IsAbandoned_AndItsRoomIsFreeAtOnce()
    {
        var clock = new FakeTimeProvider();
        var world = new World(nodes: 2, gpusPerNode: 8, clock);
        var first = world.Ledger.Admit("epgroup/ns/a", clock.GetUtcNow(), world.Planner("epgroup/ns/a", 2, 8));
        first.IsPlaced.ShouldBeTrue();

        // Its status write got 409: the reconcile runs again and must find the same room, not its own shadow.
        world.Ledger.Abandon("epgroup/ns/a", first);
        world.Ledger.Reservations.ShouldBeEmpty();
        var again = world.Ledger.Admit("epgroup/ns/a", clock.GetUtcNow(), world.Planner("epgroup/ns/a", 2, 8));
        again.IsPlaced.ShouldBeTrue(again.WaitingReason);
    }

    [Fact]
    public void AbandoningADecision_KeepsTheReservationsItsOwnerHeldBefore()
    {
        var clock = new FakeTimeProvider();
        var world = new World(nodes: 4, gpusPerNode: 8, clock);
        // The owner's recorded placement (its pods may exist where the cache does not show them yet).
        world.Ledger.Reserve("epgroup/ns/a", [new PlannedPod("epgroup/ns/a-0", "node-0", new Dictionary<string, decimal> { [Gpu] = 8 })]);
        var stale = world.Ledger.Admit("epgroup/ns/a", clock.GetUtcNow(), world.Planner("epgroup/ns/a", 2, 8));
        stale.IsPlaced.ShouldBeTrue();

        world.Ledger.Abandon("epgroup/ns/a", stale);

        world.Ledger.Reservations.ShouldHaveSingleItem().Node.ShouldBe("node-0");
    }

    [Fact]
    public void AReservationWhosePodNeverShows_Lapses()
    {
        var clock = new FakeTimeProvider();
        var ledger = new PlacementLedger(clock, TimeSpan.FromSeconds(30));
        ledger.Reserve("threefscluster/ns/tfs", [new PlannedPod("ns/tfs-storage-10001", "node-0", new Dictionary<string, decimal> { [Gpu] = 0 })]);

        clock.Advance(TimeSpan.FromSeconds(31));
        ledger.Admit("epgroup/ns/x", clock.GetUtcNow(), _ => new GangAttempt(new PlacementDecision([], "no room"), []));

        ledger.Reservations.ShouldBeEmpty();
    }
}
