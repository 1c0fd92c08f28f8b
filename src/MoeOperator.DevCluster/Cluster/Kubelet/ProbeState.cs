using System.Text.Json.Nodes;

namespace MoeOperator.DevCluster.Cluster.Kubelet;

/// <summary>
/// The kubelet's bookkeeping of one probe of one container run: first attempt after initialDelaySeconds, then every
/// periodSeconds; the result flips after successThreshold successes or failureThreshold failures in a row.
/// </summary>
internal sealed class ProbeState(JsonObject probe, DateTimeOffset started, bool initial)
{
    private readonly TimeSpan _period = TimeSpan.FromSeconds((int?)probe["periodSeconds"] ?? 10);
    private readonly int _successThreshold = (int?)probe["successThreshold"] ?? 1;
    private readonly int _failureThreshold = (int?)probe["failureThreshold"] ?? 3;
    private DateTimeOffset _due = started + TimeSpan.FromSeconds((int?)probe["initialDelaySeconds"] ?? 0);
    private Task<bool>? _attempt;
    private int _successes;
    private int _failures;

    public JsonObject Probe { get; } = probe;

    /// <summary>The current verdict: starts as <c>initial</c> (false for readiness and startup, true for liveness).</summary>
    public bool Passing { get; private set; } = initial;

    /// <summary>Whether failureThreshold failures in a row were seen (liveness and startup then restart the container).</summary>
    public bool Failed => _failures >= _failureThreshold;

    /// <summary>Collects a finished attempt and starts the next one when it is due; returns whether the verdict changed.</summary>
    public bool Tick(DateTimeOffset now, Func<Task<bool>> attempt)
    {
        var before = Passing;
        if (_attempt is { IsCompleted: true } done)
        {
            var ok = done.IsCompletedSuccessfully && done.Result;
            _attempt = null;
            (_successes, _failures) = ok ? (_successes + 1, 0) : (0, _failures + 1);
            if (ok && _successes >= _successThreshold)
            {
                Passing = true;
            }
            else if (!ok && _failures >= _failureThreshold)
            {
                Passing = false;
            }
        }

        if (_attempt is null && now >= _due)
        {
            _due = now + _period;
            _attempt = attempt();
        }

        return before != Passing;
    }
}
