namespace MoeOperator.Planning.Placement;

/// <summary>Room the ledger holds on a node for a pod that exists (or is being created) but is not yet seen bound there.</summary>
/// <param name="Owner">The gang or workload the pod belongs to (<c>epgroup/ns/name</c>).</param>
/// <param name="Pod">The pod, <c>ns/name</c>.</param>
/// <param name="Node">The node the pod is pinned to.</param>
/// <param name="Requests">What the pod requests, by resource name (<c>nvidia.com/gpu</c>, <c>rdma/hca</c>, ...).</param>
/// <param name="Expires">When the reservation lapses if the pod is never seen bound (its creation failed, say).</param>
public sealed record Reservation(string Owner, string Pod, string Node, IReadOnlyDictionary<string, decimal> Requests, DateTimeOffset Expires);

/// <summary>A pod of a plan: its name (<c>ns/name</c>), its node and its requests.</summary>
public sealed record PlannedPod(string Pod, string Node, IReadOnlyDictionary<string, decimal> Requests);

/// <summary>What placing a gang now would do: the decision (fits, or why not) and the pods it would pin.</summary>
public sealed record GangAttempt(PlacementDecision Decision, IReadOnlyList<PlannedPod> Pods);

/// <summary>Places a gang given the room other decisions hold and no pod shows yet; called under the ledger's lock.</summary>
public delegate GangAttempt GangPlanner(IReadOnlyList<Reservation> reserved);

/// <summary>The answer to <see cref="PlacementLedger.Admit"/>: placed (its pods reserved), or waiting in line and why.</summary>
public sealed record GangAdmission(GangAttempt? Placed, string? WaitingReason, int Ahead)
{
    public bool IsPlaced => Placed is not null;

    /// <summary>The reservations this placement added (not those its owner held before), for <see cref="PlacementLedger.Abandon"/>.</summary>
    internal IReadOnlyList<Reservation> Added { get; init; } = [];
}

/// <summary>
/// The operator's assumed placements, as kube-scheduler's assume cache: every decision that pins pods reserves their
/// room the moment it is made, and the room is released when the pods are seen bound (the informer cache counts them
/// from then on), seen gone, or when the reservation lapses. Decisions are made one at a time under one lock, each
/// seeing every earlier one, so two reconciles (of one kind or of several: EPGroup, ThreeFSCluster daemons,
/// TrainingJob) never give the same GPUs to two gangs. Gangs that do not fit wait in one queue in creation order:
/// whenever any gang asks, the waiting gangs are tried oldest first, and a gang placed on another's behalf is held
/// for it and woken (<see cref="AddWaker"/>), so capacity that frees goes to the gangs in the order they came.
/// A gang that does not fit does not block a later, smaller one that does (best-effort FIFO, as Kueue's default).
/// </summary>
public sealed class PlacementLedger(TimeProvider clock, TimeSpan? reservationLifetime = null)
{
    /// <summary>How long a reservation holds without its pod being seen bound: long enough for a create and a bind.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(2);

    private readonly TimeSpan _lifetime = reservationLifetime ?? DefaultLifetime;
    private readonly Lock _gate = new();
    // By pod and node: a decision made on a stale view may reserve a pod's name on a second node before the status
    // write that would have carried it out fails; both are held (more room held than needed, never less) until the
    // pod is seen bound, which releases every reservation of its name.
    private readonly Dictionary<(string Pod, string Node), Reservation> _reservations = [];
    private readonly Dictionary<string, (DateTimeOffset Created, GangPlanner Planner, DateTimeOffset Asked)> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (GangAttempt Attempt, List<Reservation> Added, DateTimeOffset Expires)> _held = new(StringComparer.Ordinal);
    private readonly List<(string Prefix, Action<string> Wake)> _wakers = [];

    /// <summary>The reservations now (a copy).</summary>
    public IReadOnlyList<Reservation> Reservations
    {
        get
        {
            lock (_gate)
            {
                return [.. _reservations.Values];
            }
        }
    }

    /// <summary>The waiting gangs, oldest first.</summary>
    public IReadOnlyList<string> Waiting
    {
        get
        {
            lock (_gate)
            {
                return [.. Ordered()];
            }
        }
    }

    /// <summary>Calls <paramref name="wake"/> with an owner starting with <paramref name="prefix"/> when it was placed on its behalf.</summary>
    public void AddWaker(string prefix, Action<string> wake)
    {
        ArgumentNullException.ThrowIfNull(wake);
        lock (_gate)
        {
            _wakers.Add((prefix, wake));
        }
    }

    /// <summary>
    /// Places the gang <paramref name="owner"/> (created at <paramref name="created"/>) now if it fits and no older
    /// waiting gang takes the room first; otherwise it waits in line. Reservations the owner holds already stay: its
    /// earlier pods may exist where a stale cache does not show them yet.
    /// </summary>
    public GangAdmission Admit(string owner, DateTimeOffset created, GangPlanner planner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(planner);
        var woken = new List<string>();
        GangAdmission result;
        lock (_gate)
        {
            Lapse();
            if (_held.Remove(owner, out var held))
            {
                _waiting.Remove(owner);
                return new GangAdmission(held.Attempt, null, 0) { Added = held.Added };
            }

            _waiting[owner] = (created, planner, clock.GetUtcNow());
            result = new GangAdmission(null, "not tried", 0);
            var ahead = 0;
            foreach (var candidate in Ordered().ToList())
            {
                GangAttempt attempt;
                try
                {
                    attempt = _waiting[candidate].Planner([.. _reservations.Values]);
                }
                catch (Exception) when (candidate != owner)
                {
                    // Another gang's planner failed (its objects changed under it): it tries again when it next asks.
                    _waiting.Remove(candidate);
                    continue;
                }

                if (attempt.Decision.Fits)
                {
                    _waiting.Remove(candidate);
                    var added = Hold(candidate, attempt.Pods);
                    if (candidate == owner)
                    {
                        result = new GangAdmission(attempt, null, 0) { Added = added };
                        break;
                    }

                    _held[candidate] = (attempt, added, clock.GetUtcNow() + _lifetime);
                    woken.Add(candidate);
                }
                else if (candidate == owner)
                {
                    result = new GangAdmission(null, attempt.Decision.Reason, ahead);
                    break;
                }
                else
                {
                    ahead++;
                }
            }
        }

        foreach (var candidate in woken)
        {
            Wake(candidate);
        }

        return result;
    }

    /// <summary>
    /// Puts a gang in line without placing anything (a gang its controller knows of but has not reconciled yet), so
    /// the next <see cref="Admit"/> of any gang tries it in its turn. A gang already in line or held keeps its place.
    /// </summary>
    public void Enqueue(string owner, DateTimeOffset created, GangPlanner planner)
    {
        ArgumentNullException.ThrowIfNull(planner);
        lock (_gate)
        {
            // A gang holding reservations was placed moments ago; the caller's cache has not caught up with it.
            if (!_held.ContainsKey(owner) && !_waiting.ContainsKey(owner) && !_reservations.Values.Any(r => r.Owner == owner))
            {
                _waiting[owner] = (created, planner, clock.GetUtcNow());
            }
        }
    }

    /// <summary>Reserves room for pods placed outside the gang queue (daemons pinned one by one).</summary>
    public void Reserve(string owner, IEnumerable<PlannedPod> pods)
    {
        ArgumentNullException.ThrowIfNull(pods);
        lock (_gate)
        {
            _ = Hold(owner, pods);
        }
    }

    /// <summary>
    /// What the owner's reconcile sees of one of its pods: bound to a node, or no longer active (finished, failed,
    /// deleted). Either releases the pod's reservation: from now on the informer cache accounts for it, or nothing does.
    /// </summary>
    public void Observe(string pod, bool bound, bool active)
    {
        if (bound || !active)
        {
            lock (_gate)
            {
                foreach (var key in _reservations.Keys.Where(k => k.Pod == pod).ToList())
                {
                    _reservations.Remove(key);
                }
            }
        }
    }

    /// <summary>
    /// The owner's pods exist (its reconcile sees them): it waits for nothing. A placement held for it meanwhile (a
    /// stale view put it back in line) is dropped with its reservations; the reservations of its real pods stay
    /// until those are seen bound.
    /// </summary>
    public void Settled(string owner)
    {
        lock (_gate)
        {
            _waiting.Remove(owner);
            if (_held.Remove(owner, out var held))
            {
                foreach (var pod in held.Attempt.Pods)
                {
                    _reservations.Remove((pod.Pod, pod.Node));
                }
            }
        }
    }

    /// <summary>
    /// A placement that was not carried out: its owner's reconcile could not record it (a stale view's status write
    /// got 409), so no pod was created from it. The reservations it added go at once; otherwise they would block the
    /// owner's next try, and every other gang's, until they lapse. Reservations the owner held before it stay.
    /// </summary>
    public void Abandon(string owner, GangAdmission admission)
    {
        ArgumentNullException.ThrowIfNull(admission);
        lock (_gate)
        {
            foreach (var reservation in admission.Added)
            {
                if (_reservations.TryGetValue((reservation.Pod, reservation.Node), out var current) && ReferenceEquals(current, reservation) && current.Owner == owner)
                {
                    _reservations.Remove((reservation.Pod, reservation.Node));
                }
            }
        }
    }

    /// <summary>Wakes every waiting gang (room may have freed: a gang's pods left), so they ask again, oldest first wins.</summary>
    public void WakeWaiting()
    {
        List<string> waiting;
        lock (_gate)
        {
            waiting = [.. Ordered()];
        }

        foreach (var owner in waiting)
        {
            Wake(owner);
        }
    }

    /// <summary>The owner is gone or placing again: its place in line, anything held for it and its reservations go.</summary>
    public void Release(string owner)
    {
        lock (_gate)
        {
            _waiting.Remove(owner);
            _held.Remove(owner);
            foreach (var key in _reservations.Where(r => r.Value.Owner == owner).Select(r => r.Key).ToList())
            {
                _reservations.Remove(key);
            }
        }
    }

    // Reserves the pods' room; returns the reservations that are new (a pod already reserved on that node keeps
    // its reservation, renewed, and is not the new decision's to abandon).
    private List<Reservation> Hold(string owner, IEnumerable<PlannedPod> pods)
    {
        var expires = clock.GetUtcNow() + _lifetime;
        var added = new List<Reservation>();
        foreach (var pod in pods)
        {
            var existed = _reservations.ContainsKey((pod.Pod, pod.Node));
            var reservation = new Reservation(owner, pod.Pod, pod.Node, pod.Requests, expires);
            _reservations[(pod.Pod, pod.Node)] = reservation;
            if (!existed)
            {
                added.Add(reservation);
            }
        }

        return added;
    }

    private IEnumerable<string> Ordered() =>
        _waiting.OrderBy(w => w.Value.Created).ThenBy(w => w.Key, StringComparer.Ordinal).Select(w => w.Key);

    // Reservations whose pods never showed up, placements held for gangs that never came back for them, and gangs
    // that stopped asking (deleted while the operator was not looking).
    private void Lapse()
    {
        var now = clock.GetUtcNow();
        foreach (var owner in _waiting.Where(w => w.Value.Asked + _lifetime <= now).Select(w => w.Key).ToList())
        {
            _waiting.Remove(owner);
        }

        foreach (var key in _reservations.Where(r => r.Value.Expires <= now).Select(r => r.Key).ToList())
        {
            _reservations.Remove(key);
        }

        foreach (var owner in _held.Where(h => h.Value.Expires <= now).Select(h => h.Key).ToList())
        {
            _held.Remove(owner);
        }
    }

    private void Wake(string owner)
    {
        List<Action<string>> wakers;
        lock (_gate)
        {
            wakers = [.. _wakers.Where(w => owner.StartsWith(w.Prefix, StringComparison.Ordinal)).Select(w => w.Wake)];
        }

        foreach (var wake in wakers)
        {
            wake(owner);
        }
    }
}
