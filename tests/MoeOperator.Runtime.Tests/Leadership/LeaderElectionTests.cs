using System.Diagnostics;
using k8s;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Runtime.Leadership;
using MoeOperator.Testing;

namespace MoeOperator.Runtime.Tests.Leadership;

/// <summary>Two operator instances compete for one Lease on the dev API server.</summary>
public sealed class LeaderElectionTests : IAsyncLifetime
{
    private static readonly TimeSpan _leaseDuration = TimeSpan.FromSeconds(2);
    private readonly Lock _gate = new();
    private DevApiServer _server = null!;
    private int _active;
    private int _maxActive;
    private readonly List<string> _starts = [];

    public async Task InitializeAsync() => _server = await DevApiServer.StartAsync(new DevApiServerOptions());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private (LeaderElection Election, Task Running, CancellationTokenSource Kill, Kubernetes Client) Candidate(string identity)
    {
        var client = new Kubernetes(_server.ClientConfiguration());
        var election = new LeaderElection(client, new LeaderElectionOptions("kube-system", "moe-operator", identity)
        {
            LeaseDuration = _leaseDuration,
            RenewDeadline = TimeSpan.FromSeconds(1.5),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        });
        var kill = new CancellationTokenSource();
        var running = election.RunAsync(async token =>
        {
            lock (_gate)
            {
                _starts.Add(identity);
                _maxActive = Math.Max(_maxActive, ++_active);
            }

            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            finally
            {
                lock (_gate)
                {
                    _active--;
                }
            }
        }, kill.Token);
        return (election, running, kill, client);
    }

    [Fact]
    public async Task TwoInstances_NeverLeadTogether_AndTheStandbyTakesOverWithinTheLeaseDuration()
    {
        var a = Candidate("operator-a");
        var b = Candidate("operator-b");
        try
        {
            await Eventually.HoldsAsync(() => a.Election.IsLeader || b.Election.IsLeader, "a leader", TimeSpan.FromSeconds(10));
            var (leader, standby) = a.Election.IsLeader ? (a, b) : (b, a);
            await Task.Delay(_leaseDuration * 2);
            standby.Election.IsLeader.ShouldBeFalse("the leader keeps renewing, so the standby waits");

            var killed = Stopwatch.StartNew();
            await leader.Kill.CancelAsync();
            await leader.Running.WaitAsync(TimeSpan.FromSeconds(10));
            await Eventually.HoldsAsync(() => standby.Election.IsLeader, "the standby to take over", TimeSpan.FromSeconds(10));
            var takeover = killed.Elapsed;

            takeover.ShouldBeLessThan(_leaseDuration + TimeSpan.FromSeconds(1), "the lease lapses and the next retry acquires it");
            await Eventually.HoldsAsync(() => _starts.Count == 2, "the standby's work to start", TimeSpan.FromSeconds(5));
            _maxActive.ShouldBe(1, "two instances must never reconcile at the same time");
            _starts.ShouldBe([leader == a ? "operator-a" : "operator-b", standby == a ? "operator-a" : "operator-b"]);
        }
        finally
        {
            foreach (var candidate in new[] { a, b })
            {
                await candidate.Kill.CancelAsync();
                await candidate.Running.WaitAsync(TimeSpan.FromSeconds(10));
                candidate.Kill.Dispose();
                candidate.Client.Dispose();
            }
        }
    }
}
