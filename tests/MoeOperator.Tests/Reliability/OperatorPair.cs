using System.Text.Json.Nodes;
using MoeOperator.Runtime.Client;
using MoeOperator.Tests.Cli;

namespace MoeOperator.Tests.Reliability;

/// <summary>
/// Two replicas of the shipped operator with leader election, as the chart's Deployment runs them: one leads, the
/// other waits for the lease. Killing the leader (SIGKILL, so it cannot hand the lease over) starts a replacement
/// under the same name, as the Deployment would, and the standby takes over once the lease runs out. A replica
/// that exits by itself is restarted the same way; the only reason it may have is a lost lease (it exits so that it
/// comes back as a candidate, as controller-runtime's managers do).
/// </summary>
internal sealed class OperatorPair(string kubeconfig, string leaseNamespace, KubernetesJsonClient client) : IAsyncDisposable
{
    private readonly Dictionary<string, OperatorUnderTest> _replicas = new(StringComparer.Ordinal);

    public static readonly string[] Names = ["operator-a", "operator-b"];

    /// <summary>Every line each replica has logged, for a failure's report.</summary>
    public IEnumerable<string> Logs => _replicas.SelectMany(r => r.Value.Lines.TakeLast(30).Select(l => $"{r.Key}: {l}"));

    public async Task StartAsync()
    {
        foreach (var name in Names)
        {
            _replicas[name] = await StartReplicaAsync(name);
        }
    }

    /// <summary>The replica holding the lease now, if any.</summary>
    public async Task<string?> LeaderAsync(CancellationToken cancellationToken = default)
    {
        var (_, leases) = await client.SendAsync(HttpMethod.Get, $"/apis/coordination.k8s.io/v1/namespaces/{leaseNamespace}/leases", cancellationToken: cancellationToken);
        return leases?["items"]?.AsArray().OfType<JsonObject>().Select(l => (string?)l["spec"]?["holderIdentity"]).FirstOrDefault(Names.Contains);
    }

    /// <summary>Kills the leader without warning and starts its replacement; returns who it was ("none" before a first leader).</summary>
    public async Task<string> KillLeaderAsync(CancellationToken cancellationToken)
    {
        if (await LeaderAsync(cancellationToken) is not { } leader)
        {
            return "none";
        }

        await _replicas[leader].KillAsync();
        _replicas[leader].Dispose();
        _replicas[leader] = await StartReplicaAsync(leader);
        return leader;
    }

    private const string LostLease = "Leader election lost";

    /// <summary>Exits of replicas on their own for any reason but a lost lease (none should happen).</summary>
    public List<string> UnexpectedExits { get; } = [];

    /// <summary>Restarts every replica that has exited on its own, as the Deployment would; returns their names.</summary>
    public async Task<List<string>> RestartExitedAsync()
    {
        var restarted = new List<string>();
        foreach (var (name, replica) in _replicas.Where(r => r.Value.Process.HasExited).ToList())
        {
            if (!replica.Lines.Any(l => l.Contains(LostLease, StringComparison.Ordinal)))
            {
                UnexpectedExits.Add($"{name} exited with {replica.Process.ExitCode}:\n{string.Join('\n', replica.Lines.TakeLast(20))}");
            }

            replica.Dispose();
            _replicas[name] = await StartReplicaAsync(name);
            restarted.Add(name);
        }

        return restarted;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas.Values)
        {
            replica.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private Task<OperatorUnderTest> StartReplicaAsync(string name) => OperatorUnderTest.StartAsync(
        kubeconfig,
        name,
        "moe-operator.dll",
        "--leader-elect=true",
        $"--leader-election-namespace={leaseNamespace}",
        "--leader-election-lease-duration=6s",
        "--leader-election-renew-deadline=4s",
        "--leader-election-retry-period=1s");
}
