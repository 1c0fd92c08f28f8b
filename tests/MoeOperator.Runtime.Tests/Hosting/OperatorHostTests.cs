using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using MoeOperator.Runtime.Client;
using MoeOperator.Runtime.Hosting;
using MoeOperator.Runtime.Informers;
using MoeOperator.Runtime.Leadership;
using MoeOperator.Runtime.Metrics;
using MoeOperator.Runtime.Tests.Controllers;
using MoeOperator.Testing;

namespace MoeOperator.Runtime.Tests.Hosting;

/// <summary>The operator host on the dev API server with the small copy controller registered.</summary>
public sealed partial class OperatorHostTests : IAsyncLifetime, IDisposable
{
    private const string Ns = "host";
    private readonly CapturingLoggerProvider _logs = new();
    private readonly RuntimeMetrics _metrics = new(Prometheus.Metrics.NewCustomRegistry());
    private readonly HttpClient _http = new();
    private DevClusterSession _session = null!;
    private CopyReconciler? _reconciler;

    public async Task InitializeAsync() => _session = await DevClusterSession.StartAsync(Ns);

    public async Task DisposeAsync() => await _session.DisposeAsync();

    public void Dispose()
    {
        _http.Dispose();
        _logs.Dispose();
    }

    private ControllerRegistration CopyController() => new("copy", Workers: 2, context =>
    {
        var controller = context.NewController("copy");
        var configMaps = new ResourceCollection("/api/v1", "configmaps", Namespaced: true);
        var sources = controller.For(context.Sources(configMaps), context.Informers);
        var children = controller.Owns(context.Sources(configMaps), "ConfigMap", context.Informers);
        _reconciler = new CopyReconciler(sources.Get, children.Get, new ChildWriter(context.Json));
        return (controller, _reconciler);
    });

    private OperatorHost StartHost(OperatorOptions? options = null, Action<Task<int>>? onExit = null)
    {
        var logs = LoggerFactory.Create(b => b.AddProvider(_logs));
        var client = OperatorClient.Create(_session.Server.ClientConfiguration(), qps: 100, burst: 200, _metrics, TimeProvider.System);
        var host = new OperatorHost(options ?? Options(), client, _metrics, logs, TimeProvider.System);
        _session.Run(async token =>
        {
            var run = host.RunAsync([CopyController()], token);
            onExit?.Invoke(run);
            try
            {
                await run;
            }
            finally
            {
                logs.Dispose();
                client.Dispose();
            }
        });
        return host;
    }

    private static OperatorOptions Options(IReadOnlyList<string>? namespaces = null) => new()
    {
        MetricsAddress = BindAddress.Parse("127.0.0.1:0"),
        ProbeAddress = BindAddress.Parse("127.0.0.1:0"),
        Namespaces = namespaces ?? [],
        LeaderElection = new LeaderElectionOptions(Ns, "moe-operator", "host-test")
        {
            LeaseDuration = TimeSpan.FromSeconds(2),
            RenewDeadline = TimeSpan.FromSeconds(1),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        },
    };

    private Task<V1ConfigMap> CreateSourceAsync(string name, string ns = Ns) => _session.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["role"] = "source" } },
        Data = new Dictionary<string, string> { ["value"] = name },
    }, ns);

    private async Task<bool> ExistsAsync(string name, string ns = Ns) =>
        (await _session.Client.CoreV1.ListNamespacedConfigMapAsync(ns, fieldSelector: $"metadata.name={name}")).Items.Count == 1;

    private async Task<(HttpStatusCode Status, string Body)> ReadyzAsync(OperatorHost host)
    {
        using var response = await _http.GetAsync(new Uri(host.ProbeUrl!, "/readyz"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static double Sample(string exposition, string series)
    {
        var line = exposition.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Leading_ReconcilesAndBecomesReady_AndMetricsPassPromtoolAndMove()
    {
        await CreateSourceAsync("alpha");
        var host = StartHost();
        await host.Listening;

        await Eventually.HoldsAsync(async () => (await ReadyzAsync(host)) == (HttpStatusCode.OK, "leading: 1 controllers with synced caches"), "readiness once leading with synced caches");
        await Eventually.HoldsAsync(() => ExistsAsync("alpha-copy"), "the first reconcile");
        var metricsUrl = new Uri(host.MetricsUrl!, "/metrics");
        const string Successes = "controller_runtime_reconcile_total{controller=\"copy\",result=\"success\"}";
        var before = Sample(await _http.GetStringAsync(metricsUrl), Successes);

        await CreateSourceAsync("beta");
        await Eventually.HoldsAsync(() => ExistsAsync("beta-copy"), "the second source's copy");
        await Eventually.HoldsAsync(async () => Sample(await _http.GetStringAsync(metricsUrl), Successes) > before, "the reconcile counter to move");

        var text = await _http.GetStringAsync(metricsUrl);
        var check = Tools.Run(Tools.Promtool, ["check", "metrics"], stdin: text);
        check.ExitCode.ShouldBe(0, check.Output);
        check.Output.Trim().ShouldBeEmpty("promtool reports no warnings");
        Sample(text, "leader_election_master_status{name=\"moe-operator\"}").ShouldBe(1);
        Sample(text, "workqueue_adds_total{name=\"copy\"}").ShouldBeGreaterThan(0);
        text.ShouldContain("controller_runtime_reconcile_time_seconds_bucket{controller=\"copy\"");
        text.ShouldContain("workqueue_queue_duration_seconds_bucket{name=\"copy\"");
        RestRequests().IsMatch(text).ShouldBeTrue("the client's requests are counted");
    }

    [Fact]
    public async Task ReconcileErrors_AreLoggedWithTheObjectsNamespaceAndName()
    {
        await CreateSourceAsync("gamma");
        _session.Server.Faults.FailNext("create", "configmaps", 500, count: 1);
        StartHost();

        await Eventually.HoldsAsync(() => ExistsAsync("gamma-copy"), "the copy after one failed create");
        var failure = _logs.Entries.First(e => e.Level == LogLevel.Error);
        failure.Message.ShouldContain("Reconciler error");
        failure.Scope["controller"].ShouldBe("copy");
        failure.Scope["namespace"].ShouldBe(Ns);
        failure.Scope["name"].ShouldBe("gamma");
    }

    [Fact]
    public async Task Namespaces_LimitWhatTheControllersSee()
    {
        await _session.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "elsewhere" } });
        await CreateSourceAsync("outside", "elsewhere");
        await CreateSourceAsync("inside");
        var host = StartHost(Options(namespaces: [Ns]));

        await Eventually.HoldsAsync(() => ExistsAsync("inside-copy"), "the copy in the watched namespace");
        await Eventually.HoldsAsync(async () => (await ReadyzAsync(host)).Status == HttpStatusCode.OK, "readiness");
        (await ExistsAsync("outside-copy", "elsewhere")).ShouldBeFalse("the unwatched namespace was never listed");
        _reconciler!.Reconciled.ShouldAllBe(key => key.Namespace == Ns);
    }

    [Fact]
    public async Task LosingTheLease_StopsEveryControllerAndReturnsNonZero()
    {
        var exit = new TaskCompletionSource<Task<int>>();
        var host = StartHost(onExit: exit.SetResult);
        await Eventually.HoldsAsync(() => host.IsLeading, "leadership");

        // The API server refuses every lease request: the leader cannot renew within its deadline.
        _session.Server.Faults.FailNext("*", "leases", 500, count: 10_000);
        var run = await exit.Task;
        var code = await run.WaitAsync(TimeSpan.FromSeconds(15));

        code.ShouldBe(OperatorHost.LeadershipLostExitCode);
        host.IsLeading.ShouldBeFalse();
        Sample(await _metrics.ExportAsync(CancellationToken.None), "leader_election_master_status{name=\"moe-operator\"}").ShouldBe(0);
        _logs.Entries.ShouldContain(e => e.Message.StartsWith("Leader election lost", StringComparison.Ordinal));
    }

    [GeneratedRegex("""rest_client_requests_total\{code="200",method="GET",host="127\.0\.0\.1:\d+"\} [1-9]""")]
    private static partial Regex RestRequests();
}
