using System.Net;
using k8s;
using MoeOperator.DevCluster.Hosting;
using MoeOperator.Runtime.Controllers;
using MoeOperator.Runtime.Hosting;
using MoeOperator.Runtime.Metrics;
using MoeOperator.Runtime.Queue;
using MoeOperator.Testing;

namespace MoeOperator.Runtime.Tests.Metrics;

public sealed class RuntimeMetricsTests
{
    private sealed class FailingOnce : IReconciler
    {
        private int _calls;

        public Task<ReconcileResult> ReconcileAsync(ObjectReference key, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) == 1 ? Task.FromException<ReconcileResult>(new InvalidOperationException("boom")) : Task.FromResult(ReconcileResult.Done);
    }

    private static async Task<(RuntimeMetrics Metrics, string Text)> AfterTwoReconcilesAsync()
    {
        var metrics = new RuntimeMetrics(Prometheus.Metrics.NewCustomRegistry());
        // A fake clock that never advances: the failed key's retry stays pending, so the counts are exact.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var queue = new WorkQueue<ObjectReference>("epgroup", clock, RateLimiters.PerKeyBackoff<ObjectReference>(), metrics);
        var loop = new ControllerLoop("epgroup", queue, new FailingOnce(), 1, clock, metrics: metrics);
        foreach (var name in new[] { "a", "b" })
        {
            queue.Add(new ObjectReference("ns", name));
            queue.TryGet(out var key);
            await loop.ProcessAsync(key, CancellationToken.None);
        }

        metrics.Leader("moe-operator", isLeader: true);
        return (metrics, await metrics.ExportAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Export_UsesControllerRuntimeNamesAndTheyMoveWithReconciles()
    {
        var (_, text) = await AfterTwoReconcilesAsync();

        text.ShouldContain("controller_runtime_reconcile_total{controller=\"epgroup\",result=\"error\"} 1");
        text.ShouldContain("controller_runtime_reconcile_total{controller=\"epgroup\",result=\"success\"} 1");
        text.ShouldContain("controller_runtime_reconcile_errors_total{controller=\"epgroup\"} 1");
        text.ShouldContain("controller_runtime_reconcile_time_seconds_count{controller=\"epgroup\"} 2");
        text.ShouldContain("controller_runtime_active_workers{controller=\"epgroup\"} 0");
        text.ShouldContain("workqueue_adds_total{name=\"epgroup\"} 2");
        text.ShouldContain("workqueue_retries_total{name=\"epgroup\"} 1");
        text.ShouldContain("workqueue_queue_duration_seconds_count{name=\"epgroup\"} 2");
        text.ShouldContain("workqueue_work_duration_seconds_count{name=\"epgroup\"} 2");
        text.ShouldContain("workqueue_depth{name=\"epgroup\"} 0");
        text.ShouldContain("leader_election_master_status{name=\"moe-operator\"} 1");
    }

    [Fact]
    public async Task Export_PassesPromtoolWithoutWarnings()
    {
        var (_, text) = await AfterTwoReconcilesAsync();

        var result = Tools.Run(Tools.Promtool, ["check", "metrics"], stdin: text);

        result.ExitCode.ShouldBe(0, result.Output);
        result.Output.Trim().ShouldBeEmpty();
    }

    [Fact]
    public async Task Endpoints_ServeMetricsHealthAndReadinessThatFollowsTheCallback()
    {
        var (metrics, _) = await AfterTwoReconcilesAsync();
        var ready = false;
        await using var endpoints = new ProbeEndpoints(metrics, () => (ready, "not leading yet"));
        await endpoints.StartAsync(BindAddress.Parse("127.0.0.1:0"), BindAddress.Parse("127.0.0.1:0"), CancellationToken.None);
        using var http = new HttpClient();

        (await http.GetStringAsync(new Uri(endpoints.MetricsUrl!, "/metrics"))).ShouldContain("controller_runtime_reconcile_total");
        (await http.GetStringAsync(new Uri(endpoints.ProbeUrl!, "/healthz"))).ShouldBe("ok");
        var notReady = await http.GetAsync(new Uri(endpoints.ProbeUrl!, "/readyz"));
        notReady.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await notReady.Content.ReadAsStringAsync()).ShouldBe("not leading yet");
        ready = true;
        (await http.GetAsync(new Uri(endpoints.ProbeUrl!, "/readyz"))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RestClientHandler_CountsTheKubernetesClientsRequests()
    {
        await using var server = await DevApiServer.StartAsync(new DevApiServerOptions());
        var metrics = new RuntimeMetrics(Prometheus.Metrics.NewCustomRegistry());
#pragma warning disable CA2000 // the client owns and disposes its handlers
        using var client = new Kubernetes(server.ClientConfiguration(), new RestClientMetricsHandler(metrics));
#pragma warning restore CA2000

        await client.CoreV1.ListNamespaceAsync();
        await client.CoreV1.ListNamespaceAsync();

        var text = await metrics.ExportAsync(CancellationToken.None);
        text.ShouldContain($"rest_client_requests_total{{code=\"200\",method=\"GET\",host=\"{new Uri(server.Url).Authority}\"}} 2");
    }
}
