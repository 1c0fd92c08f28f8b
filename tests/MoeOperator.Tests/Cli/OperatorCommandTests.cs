using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using MoeOperator.Cli;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Testing;
using MoeOperator.Tests.Chart;

namespace MoeOperator.Tests.Cli;

/// <summary>`moe operator` as a process against the dev API server, and as the chart runs it.</summary>
public sealed class OperatorCommandTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan _leaseDuration = TimeSpan.FromSeconds(2);

    private static readonly string[] _fastElection =
    [
        "--leader-elect", "--leader-election-namespace=default",
        "--leader-election-lease-duration=2s", "--leader-election-renew-deadline=1s", "--leader-election-retry-period=200ms",
    ];

    private readonly ScratchDirectory _scratch = new();
    private readonly HttpClient _http = new();
    private DevApiServer _server = null!;

    private string Kubeconfig => _scratch.Path("kubeconfig");

    public async Task InitializeAsync() => _server = await DevApiServer.StartAsync(new DevApiServerOptions { KubeconfigPath = Kubeconfig });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose()
    {
        _http.Dispose();
        _scratch.Dispose();
    }

    private async Task<(HttpStatusCode Status, string Body)> ReadyzAsync(OperatorUnderTest process)
    {
        using var response = await _http.GetAsync(new Uri(process.ProbeUrl, "/readyz"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void TheChartsArguments_AreAllUnderstood()
    {
        var deployment = RenderedChart.Single(RenderedChart.Objects("watchNamespaces={team-a,team-b}"), "Deployment");
        var args = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => (string)a!).ToArray();

        var parsed = OperatorCommand.Create([]).Parse(args[1..]);

        args[0].ShouldBe("operator");
        parsed.Errors.ShouldBeEmpty();
        parsed.UnmatchedTokens.ShouldBeEmpty();
        parsed.GetValue<bool>("--leader-elect").ShouldBeTrue();
        parsed.GetValue<string[]>("--namespace").ShouldBe(["team-a", "team-b"]);
    }

    [Fact]
    public void BadFlag_ExitsWithAMessageNamingIt()
    {
        var result = Tools.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "moe.dll"), "operator", "--kubeconfig", Kubeconfig, "--kube-api-burst=0"]);

        result.ExitCode.ShouldBe(2);
        result.Stderr.ShouldContain("--kube-api-burst (0) must be at least 1");
    }

    [Fact]
    public async Task TwoProcesses_OneLeadsOneStandsBy_TheStandbyTakesOverAKilledLeader_AndALostLeaseExitsNonZero()
    {
        using var first = await OperatorUnderTest.StartAsync(Kubeconfig, "operator-a", "moe-operator.dll", _fastElection);
        await Eventually.HoldsAsync(async () => (await ReadyzAsync(first)).Body.StartsWith("leading", StringComparison.Ordinal), "the first process to lead");
        using var second = await OperatorUnderTest.StartAsync(Kubeconfig, "operator-b", "moe.dll", _fastElection);
        await Eventually.HoldsAsync(async () => (await ReadyzAsync(second)).Status == HttpStatusCode.OK, "the standby to be ready");

        (await ReadyzAsync(second)).Body.ShouldBe("standby: operator-a holds the lease");
        var standbyMetrics = await _http.GetStringAsync(new Uri(second.MetricsUrl, "/metrics"));
        standbyMetrics.ShouldContain("leader_election_master_status{name=\"moe-operator-leader\"} 0");
        var leaderMetrics = await _http.GetStringAsync(new Uri(first.MetricsUrl, "/metrics"));
        leaderMetrics.ShouldContain("leader_election_master_status{name=\"moe-operator-leader\"} 1");
        var check = Tools.Run(Tools.Promtool, ["check", "metrics"], stdin: leaderMetrics);
        check.ExitCode.ShouldBe(0, check.Output);
        check.Output.Trim().ShouldBeEmpty("promtool reports no warnings");

        // A killed leader never releases the lease: the standby must wait for it to lapse, and no longer.
        var killed = Stopwatch.StartNew();
        await first.KillAsync();
        await Eventually.HoldsAsync(async () => (await ReadyzAsync(second)).Body.StartsWith("leading", StringComparison.Ordinal), "the standby to take over", TimeSpan.FromSeconds(10));
        // Bounds that tell the behaviour apart on a loaded two-core machine: not before the lease could have lapsed
        // (the leader renewed within its renew deadline, 1 s, before the kill, or it would have stepped down), and
        // within two lease durations, where a standby on the default 15 s lease, or one retrying on a long backoff,
        // would be far later.
        killed.Elapsed.ShouldBeGreaterThan(_leaseDuration - TimeSpan.FromSeconds(1), "the standby waited for the lease to lapse");
        killed.Elapsed.ShouldBeLessThan(_leaseDuration * 2, "the lease lapses and the standby's next retry acquires it");

        // A clean stop (SIGTERM, as the kubelet sends) exits 0 and hands over too.
        using var third = await OperatorUnderTest.StartAsync(Kubeconfig, "operator-c", "moe-operator.dll", _fastElection);
        await Eventually.HoldsAsync(async () => (await ReadyzAsync(third)).Body == "standby: operator-b holds the lease", "the new standby");
        (await second.TerminateAsync()).ShouldBe(0, "SIGTERM is a clean stop");
        await Eventually.HoldsAsync(async () => (await ReadyzAsync(third)).Body.StartsWith("leading", StringComparison.Ordinal), "the new standby to take over", TimeSpan.FromSeconds(10));

        _server.Faults.FailNext("*", "leases", 500, count: 100_000);
        (await third.WaitForExitAsync(TimeSpan.FromSeconds(20))).ShouldBe(1, "a leader that cannot renew stops and exits so that its pod restarts");
        third.Lines.ShouldContain(l => l.Contains("Leader election lost", StringComparison.Ordinal));
        foreach (var line in first.Lines.Concat(second.Lines).Concat(third.Lines))
        {
            JsonNode.Parse(line).ShouldBeOfType<JsonObject>($"every log line is one JSON object: {line}");
        }
    }
}
